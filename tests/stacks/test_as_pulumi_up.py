"""Each layer program started as `pulumi up` starts it: the interpreter its Pulumi.yaml's
virtualenv names, its folder as working directory, its stack config in PULUMI_CONFIG, nothing
on PYTHONPATH. It must run, export its contract, and load no file of the repository that its
deployment fingerprint leaves out (else editing that file would not redeploy the layer)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.config import REPO_ROOT, layer_config
from shared.contracts import LAYERS, contract
from shared.orchestrator.backend import layer_dir
from shared.orchestrator.program_files import program_files

HOST = Path(__file__).with_name("pulumi_up_host.py")


def _runtime(layer: str) -> dict[str, Any]:
    project = yaml.safe_load((layer_dir(layer) / "Pulumi.yaml").read_text(encoding="utf-8"))
    runtime: dict[str, Any] = project["runtime"]
    return runtime


def _as_pulumi_up(layer: str, prod_plan: Any, tmp_path: Path) -> dict[str, Any]:
    runtime = _runtime(layer)
    assert runtime["name"] == "python" and runtime["options"]["toolchain"] == "pip"
    interpreter = layer_dir(layer) / runtime["options"]["virtualenv"] / "bin" / "python"
    upstream = {run.name: {"values": run.outputs.values, "secrets": sorted(run.outputs.secret_names)}
                for run in prod_plan.runs}
    (tmp_path / "upstream.json").write_text(json.dumps(upstream, default=str))
    config = {"aws:region": "us-east-1", **layer_config(layer, "prod")}
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "AWS_"))}
    env["PULUMI_CONFIG"] = json.dumps(config)
    done = subprocess.run(
        [str(interpreter), str(HOST), str(tmp_path / "upstream.json"), layer, "prod", "us-east-1"],
        cwd=layer_dir(layer), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:] or done.stdout[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.parametrize("layer", list(LAYERS))
def test_the_program_runs_as_pulumi_up_starts_it(layer: str, prod_plan: Any, tmp_path: Path) -> None:
    result = _as_pulumi_up(layer, prod_plan, tmp_path)
    # The venv Pulumi.yaml names is this checkout's, with the SDK and `shared` installed in it.
    assert Path(result["prefix"]).resolve() == (REPO_ROOT / ".venv").resolve()
    assert set(result["outputs"]) == set(contract(layer).output_names)
    # Every repository file it loaded is part of its fingerprint (the plan's fakes aside).
    fingerprinted = {path.resolve() for _, path in program_files(layer, layer_dir(layer), REPO_ROOT)}
    loaded = {_source(Path(name)) for name in result["loaded"]}
    # The stack files are fingerprinted by their config (runs.stack_config), the fakes are ours.
    left_out = (REPO_ROOT / ".venv", REPO_ROOT / "shared" / "plan", REPO_ROOT / "tests")
    ours = {path for path in loaded if path.is_relative_to(REPO_ROOT)
            and not any(path.is_relative_to(folder) for folder in left_out)
            and not (path.parent == layer_dir(layer) and path.name.startswith("Pulumi."))}
    assert ours - fingerprinted == set(), "add these to shared/orchestrator/program_files.py"


def _source(path: Path) -> Path:
    """A module's source for its compiled copy (__pycache__/name.cpython-311.pyc -> name.py)."""
    path = path.resolve()
    if path.parent.name == "__pycache__":
        return path.parent.parent / f"{path.name.split('.')[0]}.py"
    return path
