"""`invoke plan`, `graph`, `lint`, `test`: the offline view of the system and its checks."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Context

from shared import ci_settings
from shared.cli.common import (
    DEFAULT_ENV,
    ENV_HELP,
    EXIT_FAILED,
    SET_HELP,
    exit_on_interrupt,
    fail,
    offline_plan,
    parse_layers,
    parse_overrides,
    read_env,
    task,
)
from shared.config import REPO_ROOT

if TYPE_CHECKING:
    from shared.cost.change import CostChange
    from shared.plan.revision import RevisionPlan

LINT_PATHS = ["stacks", "shared", "tasks.py", "tests", "examples"]
APP_TEAM_EXAMPLE = "examples/app-team"
COMPARE_FORMATS = ("text", "markdown", "json")


@task(iterable=["set_"], help={
    "env": ENV_HELP,
    "out": "write the JSON plan to this file",
    "set_": SET_HELP,
    "layer": "plan only these layers (comma-separated) and what they need",
    "compare": "git revision to compare the working tree with (e.g. HEAD~1, origin/main): "
               "what would be added, replaced, updated or deleted, and which outputs change",
    "format": "with --compare: text (default), markdown (a pull-request comment) or json",
    "fresh": "plan every layer again instead of reusing the plan of a layer whose inputs did "
             "not change (.runs/plan-cache/)",
})
def plan(c: Context, env: str = "", out: str = "", set_: list[str] | None = None,
         layer: str | None = None, compare: str = "", format: str = "text", fresh: bool = False) -> None:
    """Run every layer offline under Pulumi's mock runtime and summarise what it would build.

    With --compare REF, show what the working tree changes against that revision.
    """
    if format not in COMPARE_FORMATS:
        raise fail(f"--format must be one of {', '.join(COMPARE_FORMATS)}, not {format!r}")
    if format != "text" and not compare:
        raise fail("--format applies to --compare REF; the plan itself is text, or JSON with --out")
    cleanups: list[Callable[[], None]] = []
    # Installed first, so Ctrl-C at any moment after the environment is named exits 130 at once.
    with exit_on_interrupt(f"planning {env or DEFAULT_ENV}", cleanups):
        report = _plan(env, out, set_ or [], layer, compare, format, fresh, cleanups)
    if report:
        print(report, end="")


def _plan(env: str, out: str, set_: list[str], layer: str | None, compare: str, format: str,
          fresh: bool, cleanups: list[Callable[[], None]]) -> str:
    """The plan, or with `compare` the comparison report; each start of something that must be
    undone on Ctrl-C is added to `cleanups`."""
    overrides = parse_overrides(set_)
    layers = parse_layers(layer) or None
    if out:
        check_writable(Path(out))
    commit = _resolve(compare) if compare else ""
    env = read_env(env)
    # With --compare the report waits for both plans: say what is happening meanwhile.
    progress = _progress if compare else None
    other = _start_revision_plan(commit, env, layers, not fresh) if commit else None
    if other:
        cleanups.append(other.close)
        _progress(f"planning {compare} ({commit[:12]}) in the background, from its own code, and the "
                  f"working tree of {env} here")
    try:
        result = offline_plan(env, overrides, layers, cached=not fresh, progress=progress)
    except BaseException:
        if other:
            other.close()
        raise
    # The JSON document is for --out and --compare only: a plain plan prints its summary.
    document = json.loads(json.dumps(result.to_json(), default=str)) if out or other else {}
    if out:
        cleanups.append(Path(out).unlink)  # a plan cut short is no plan
        _write(Path(out), json.dumps(document, indent=2) + "\n")
        cleanups.pop()
    if other is None:
        print(result.summary())
        if out:
            print(f"Wrote {out}")
        return ""
    _progress(f"working tree planned ({len(result.runs)} layers); waiting for {compare}")
    return _compare_report(other, document, compare, format)


def _progress(message: str) -> None:
    """What plan --compare is doing, on stderr so the report on stdout stays clean."""
    print(f"{message}...", file=sys.stderr, flush=True)


def _resolve(ref: str) -> str:
    from shared.plan.revision import RevisionError, resolve

    try:
        return resolve(ref, REPO_ROOT)
    except RevisionError as error:
        raise fail(str(error)) from None


def _start_revision_plan(commit: str, env: str, layers: list[str] | None, cached: bool) -> RevisionPlan:
    from shared.plan.revision import RevisionError, RevisionPlan

    try:
        return RevisionPlan(commit, REPO_ROOT, env, layers or [], cached=cached, progress=_progress)
    except RevisionError as error:
        raise fail(str(error)) from None


def _compare_report(other: RevisionPlan, document: dict[str, Any], ref: str, format: str) -> str:
    from shared.plan import compare_report
    from shared.plan.compare import compare_plans
    from shared.plan.revision import RevisionError

    try:
        before = other.result()
    except RevisionError as error:
        raise fail(str(error), code=EXIT_FAILED) from None
    comparison = compare_plans(before, document, ref, other.commit)
    if format == "json":
        return json.dumps(comparison.to_json(), indent=2, default=str) + "\n"
    cost = _cost_change(before, document)
    if format == "markdown":
        return compare_report.markdown(comparison, cost.markdown() if cost else None)
    return compare_report.text(comparison, cost.line() if cost else "") + "\n"


def _cost_change(before: dict[str, Any], after: dict[str, Any]) -> CostChange | None:
    """The monthly cost change, or None (said on stderr) when the price book cannot be read."""
    from shared.cost.book import PriceBookError, load_price_book
    from shared.cost.change import cost_change

    try:
        return cost_change(before, after, load_price_book())
    except PriceBookError as error:
        print(f"warning: no monthly cost change: {error}", file=sys.stderr)
        return None


def _write(path: Path, text: str) -> None:
    """Write the plan, or one line (a full disk, a quota) and no half-written file left behind."""
    try:
        path.write_text(text)
    except OSError as error:
        if path.is_file():
            path.unlink(missing_ok=True)
        raise fail(f"--out {path}: could not write the plan ({error.strerror or error}); free some "
                   "space or write elsewhere", code=EXIT_FAILED) from None


def check_writable(path: Path) -> None:
    """Refuse an --out the plan could not be written to, before seconds of planning."""
    folder = path.parent
    if path.is_dir():
        raise fail(f"--out {path}: is a folder; give a file name, e.g. {path / 'plan.json'}")
    if not folder.is_dir():
        raise fail(f"--out {path}: folder {folder} does not exist; create it or write elsewhere")
    # Trying is the only honest answer: access() says yes to root, whatever the file system says.
    try:
        with path.open("a") if path.exists() else tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError:
        raise fail(f"--out {path}: {path if path.exists() else folder} is not writable; "
                   "write elsewhere or fix its permissions") from None


@task(help={"format": "mermaid (default) or dot",
            "env": "environment whose settings mark the layers that deploy nothing there (dashed); "
                   "default: the graph of the contracts, the same in every environment"})
def graph(c: Context, format: str = "mermaid", env: str = "") -> None:
    """Print the layer dependency graph, derived from the output contracts."""
    from shared import graph as layer_graph

    if format not in ("mermaid", "dot"):
        raise fail(f"--format must be mermaid or dot, not {format!r}")
    empty = _empty_layers(env) if env else []
    print(layer_graph.mermaid(empty) if format == "mermaid" else layer_graph.dot(empty))


def _empty_layers(env: str) -> list[str]:
    """The layers whose program creates nothing in `env` (the recovery layer without its plan)."""
    from shared.config import settings_for
    from shared.settings import SettingsError

    try:
        settings = settings_for(env)
    except SettingsError as error:
        raise fail(str(error)) from None
    return [] if settings.region_switch_plan else ["recovery"]


@task
def docs(c: Context) -> None:
    """Regenerate the settings table and output contract in docs/, and the app teams' typed reader."""
    from shared.contracts.typed_reader import MODULE_NAME
    from shared.docs import refresh_docs, refresh_reader

    changed = refresh_docs(REPO_ROOT)
    print("generated sections " + (f"updated in {', '.join(changed)}" if changed else "already current"))
    reader = REPO_ROOT / "examples" / "app-team" / MODULE_NAME
    print(f"{reader.relative_to(REPO_ROOT)} " + ("updated" if refresh_reader(reader) else "already current"))


@task
def lint(c: Context) -> None:
    """ruff, then mypy over shared/, tasks.py and each layer program (type-checks resource args)."""
    c.run(f"ruff check {' '.join(LINT_PATHS)}", echo=True, pty=False)
    c.run("mypy shared tasks.py", echo=True, pty=False)
    c.run("mypy stacks/compute/handlers", echo=True, pty=False)
    c.run("mypy stacks/recovery/handlers", echo=True, pty=False)
    # Each layer's program is a `__main__` module: check them one by one, not as one package.
    programs = sorted(str(p) for p in (REPO_ROOT / "stacks").glob("*/__main__.py"))
    for program in programs:
        c.run(f"mypy {program}", echo=True, pty=False)
    # The app team's program against the typed reader it imports from its own folder.
    c.run(f"mypy {APP_TEAM_EXAMPLE}/__main__.py {APP_TEAM_EXAMPLE}/app", echo=True, pty=False,
          env={"MYPYPATH": APP_TEAM_EXAMPLE})


@task(help={"pytest_args": "extra arguments for pytest, e.g. '-k network'"})
def test(c: Context, pytest_args: str = "") -> None:
    """Lint, the test suite and the guardrails on the dev and prod plans (what CI runs).

    Live-AWS tests skip unless DR_INTEGRATION=1.
    """
    lint(c)
    c.run(f"{sys.executable} -m pytest {pytest_args}", echo=True, pty=False)
    for environment in ("dev", "prod"):
        # Prod with CI's explicit test certificates: its base config names none (ci_settings.py).
        flags = ci_settings.set_flags(environment)
        c.run(f"{sys.executable} -m invoke check --env {environment} {flags}".rstrip(), echo=True,
              pty=False)
