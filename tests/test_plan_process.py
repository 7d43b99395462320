"""What makes a fresh plan fast without changing it (shared/plan/process.py): fewer collector
passes and no final scan in a planning task's process, no stack capture per resource, and the
next layer's SDK modules imported while the process waits for its workers."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2

import shared.plan.plan as plan_module
from shared.cli import common
from shared.config import REPO_ROOT, STACKS_DIR
from shared.plan.plan import build_plan
from shared.plan.process import PLAN_GEN0_THRESHOLD, sdk_modules
from shared.plan.runtime import LayerFailed, run_layer


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    return done.stdout


def test_a_plan_collects_rarely_and_its_process_freezes_what_is_left_at_exit() -> None:
    printed = _python(
        "import atexit, gc\n"
        # Registered first, so it runs last (atexit is last in, first out): after the freeze.
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0))\n"
        "from shared.plan.process import few_collections, skip_final_collection\n"
        "skip_final_collection(); skip_final_collection()\n"
        "with few_collections():\n"
        "    print('inside', gc.get_threshold()[0])\n"
        "print('after', gc.get_threshold()[0])\n")
    assert printed.split() == ["inside", str(PLAN_GEN0_THRESHOLD), "after", "700", "frozen", "True"]


def test_a_plan_task_plans_with_few_collections(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    monkeypatch.setattr(plan_module, "build_plan",
                        lambda *args, **kwargs: seen.append(gc.get_threshold()[0]))
    common.offline_plan("dev", {})
    assert seen == [PLAN_GEN0_THRESHOLD]


@pytest.mark.parametrize("fails", [False, True])
def test_a_layer_run_captures_no_stacks_and_gives_the_sdk_its_hook_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool) -> None:
    # If pulumi drops the hook the plan still works, only slower: this says so on upgrade.
    captured: list[int] = []

    def capture() -> object:
        captured.append(1)
        return source_pb2.StackTrace()

    monkeypatch.setattr(sdk_resource, "_get_stack_trace", capture)
    (tmp_path / "Pulumi.yaml").write_text("name: wire\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "aws.sqs.Queue('queue', region='us-east-1')\n"
        + ("raise ValueError('the program stops')\n" if fails else ""))
    if fails:
        with pytest.raises(LayerFailed, match="the program stops"):
            run_layer(tmp_path, "wire", "dev", {}, {}, default_region="us-east-1")
    else:
        run = run_layer(tmp_path, "wire", "dev", {}, {}, default_region="us-east-1")
        assert [r["type"] for r in run.resources if r["custom"]] == ["aws:sqs/queue:Queue"]
    assert captured == []
    assert sdk_resource._get_stack_trace is capture


def test_the_sdk_modules_of_a_layer_are_those_its_program_uses() -> None:
    modules = {layer: sdk_modules(layer, STACKS_DIR / layer, REPO_ROOT)
               for layer in ("network-primary", "compute", "recovery")}
    assert "ec2" in modules["network-primary"]
    assert {"wafv2", "lambda_", "apigateway"} <= set(modules["compute"])
    assert "arcregionswitch" in modules["recovery"] and "arcregionswitch" not in modules["compute"]


def test_warming_imports_only_while_waiting_and_only_what_is_not_loaded() -> None:
    printed = _python(
        "import sys\n"
        "from shared.plan.process import warm_while\n"
        "answers = iter([True, True, False])\n"
        "print(warm_while(lambda: next(answers), ['get_region', 'sns', 'sqs', 'wafv2']))\n"
        "print('pulumi_aws.sqs.queue' in sys.modules, 'pulumi_aws.wafv2.web_acl' in sys.modules)\n"
        "print(warm_while(lambda: True, ['sns']))\n")
    # get_region is a function, not a module; wafv2 comes after the process stopped waiting.
    assert printed.splitlines() == ["['sns', 'sqs']", "True False", "[]"]


def test_the_process_waiting_for_its_workers_imports_the_next_layers_modules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DR_PLAN_CACHE", str(tmp_path / "cache"))
    parent, real_run, real_warm = os.getpid(), plan_module.run_layer, plan_module.warm_while
    warmed: list[tuple[bool, list[str]]] = []
    released = tmp_path / "released"

    def held_in_workers(folder: Path, name: str, *args: Any, **kwargs: Any) -> Any:
        # The worker's layer lasts until the waiting process has started warming.
        deadline = time.monotonic() + 60
        while os.getpid() != parent and not released.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return real_run(folder, name, *args, **kwargs)

    def recording(waiting: Any, modules: list[str]) -> list[str]:
        warmed.append((waiting(), list(modules)))
        released.touch()
        return real_warm(waiting, modules)

    monkeypatch.setattr(plan_module, "run_layer", held_in_workers)
    monkeypatch.setattr(plan_module, "warm_while", recording)
    build_plan("dev", layers=["global-traffic"], workers=2)
    # Wave one (both networks) is followed by global-traffic, planned here next.
    assert warmed and warmed[0][0] is True
    assert warmed[0][1] == sdk_modules("global-traffic", STACKS_DIR / "global-traffic", REPO_ROOT)


def test_tasks_and_layer_programs_start_without_boto3() -> None:
    # boto3 and botocore's session, config and model bring its HTTP stack (a fifth of a second
    # of every task's start); only code that calls AWS imports them, when it does.
    printed = _python(
        "import importlib, pkgutil, sys\n"
        "import tasks, shared.components, shared.plan.plan\n"
        "for module in pkgutil.iter_modules(shared.components.__path__):\n"
        "    importlib.import_module(f'shared.components.{module.name}')\n"
        "print(sorted(m for m in ('boto3', 'botocore.session', 'botocore.config', 'botocore.model')"
        " if m in sys.modules))\n")
    assert printed.strip() == "[]"
