"""A layer is planned again only when something it is made of changed; otherwise its plan
comes from the cache, identical to planning it afresh; planning a wave's layers in parallel
processes makes the same plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import shared.plan.plan as plan_module
from shared.plan.plan import build_plan


@pytest.fixture
def planned(stacks: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The layers whose programs really ran, in order (the cache in a scratch folder)."""
    monkeypatch.setenv("DR_PLAN_CACHE", str(tmp_path / "cache"))
    ran: list[str] = []
    real = plan_module.run_layer

    def counting(folder: Path, name: str, *args: Any, **kwargs: Any) -> Any:
        ran.append(name)
        return real(folder, name, *args, **kwargs)

    monkeypatch.setattr(plan_module, "run_layer", counting)
    return ran


def as_json(plan: Any) -> Any:
    return json.loads(json.dumps(plan.to_json(), default=str))


def test_an_unchanged_tree_is_planned_from_the_cache_and_the_plan_is_the_same(planned, dev_plan):
    first = build_plan("dev", cached=True)
    assert len(planned) == 7
    planned.clear()
    told: list[str] = []
    second = build_plan("dev", cached=True, progress=told.append)
    assert planned == [] and all("from the cache" in line for line in told)
    assert as_json(second) == as_json(first) == as_json(dev_plan)


def test_a_change_replans_its_layer_and_only_what_reads_changed_outputs(planned, stacks):
    build_plan("dev", cached=True)
    planned.clear()
    program = stacks / "monitoring" / "__main__.py"
    program.write_text(program.read_text() + "\n# a comment changes the file, not the outputs\n")
    build_plan("dev", cached=True)
    assert planned == ["monitoring"]  # recovery reads monitoring's outputs, which did not change
    planned.clear()
    build_plan("dev", {"dr:logRetentionDays": "14"}, cached=True)
    assert "network-primary" in planned and "recovery" in planned, "a setting is every layer's input"


def test_the_layers_of_a_wave_planned_in_parallel_processes_make_the_same_plan(dev_plan):
    assert as_json(build_plan("dev", workers=2)) == as_json(dev_plan)
