"""`invoke plan`, `graph`, `lint`, `test`: the offline view of the system and its checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from invoke import Context, task

from shared.cli.common import fail, parse_layers, parse_overrides
from shared.config import REPO_ROOT
from shared.plan.runtime import LayerFailed
from shared.settings import SettingsError

LINT_PATHS = ["stacks", "shared", "tasks.py", "tests", "examples"]
APP_TEAM_EXAMPLE = "examples/app-team"


@task(iterable=["set_"], help={
    "env": "environment (the Pulumi stack name), e.g. dev or prod",
    "out": "write the JSON plan to this file",
    "set_": "override one setting for this run, e.g. --set dr:azCount=3 (repeatable)",
    "layer": "plan only these layers (comma-separated) and what they need",
})
def plan(c: Context, env: str = "dev", out: str = "", set_: list[str] | None = None,
         layer: str = "") -> None:
    """Run every layer offline under Pulumi's mock runtime and summarise what it would build."""
    from shared.plan.plan import build_plan

    overrides = parse_overrides(set_ or [])
    layers = parse_layers(layer) or None
    try:
        result = build_plan(env, overrides, layers)
    except SettingsError as error:
        raise fail(str(error)) from None
    except LayerFailed as error:
        raise fail(str(error), code=1) from None
    print(result.summary())
    if out:
        Path(out).write_text(json.dumps(result.to_json(), indent=2, default=str) + "\n")
        print(f"Wrote {out}")


@task(help={"format": "mermaid (default) or dot"})
def graph(c: Context, format: str = "mermaid") -> None:
    """Print the layer dependency graph, derived from the output contracts."""
    from shared import graph as layer_graph

    if format not in ("mermaid", "dot"):
        raise fail(f"--format must be mermaid or dot, not {format!r}")
    print(layer_graph.mermaid() if format == "mermaid" else layer_graph.dot())


@task
def docs(c: Context) -> None:
    """Regenerate the README's settings table and output contract, and the app teams' typed reader."""
    from shared.contracts.typed_reader import MODULE_NAME
    from shared.docs import refresh_reader, refresh_readme

    changed = refresh_readme(REPO_ROOT / "README.md")
    print("README generated sections " + ("updated" if changed else "already current"))
    reader = REPO_ROOT / "examples" / "app-team" / MODULE_NAME
    print(f"{reader.relative_to(REPO_ROOT)} " + ("updated" if refresh_reader(reader) else "already current"))


@task
def lint(c: Context) -> None:
    """ruff, then mypy over shared/, tasks.py and each layer program (type-checks resource args)."""
    c.run(f"ruff check {' '.join(LINT_PATHS)}", echo=True, pty=False)
    c.run("mypy shared tasks.py", echo=True, pty=False)
    c.run("mypy stacks/compute/handlers", echo=True, pty=False)
    # Each layer's program is a `__main__` module: check them one by one, not as one package.
    programs = sorted(str(p) for p in (REPO_ROOT / "stacks").glob("*/__main__.py"))
    for program in programs:
        c.run(f"mypy {program}", echo=True, pty=False)
    # The app team's program against the typed reader it imports from its own folder.
    c.run(f"mypy {APP_TEAM_EXAMPLE}/__main__.py {APP_TEAM_EXAMPLE}/app", echo=True, pty=False,
          env={"MYPYPATH": APP_TEAM_EXAMPLE})


@task(help={"pytest_args": "extra arguments for pytest, e.g. '-k network'"})
def test(c: Context, pytest_args: str = "") -> None:
    """Lint, the whole test suite (live-AWS tests skip unless DR_INTEGRATION=1), then the
    guardrails over the dev and prod plans."""
    lint(c)
    c.run(f"{sys.executable} -m pytest {pytest_args}", echo=True, pty=False)
    for environment in ("dev", "prod"):
        c.run(f"{sys.executable} -m invoke check --env {environment}", echo=True, pty=False)
