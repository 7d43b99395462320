"""deploy-all asks the state backend whether a layer is deployed, never a file of this checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from invoke import Context

from shared.cli.deploy import deploy_all
from shared.config import REPO_ROOT
from shared.contracts import LAYERS
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.pulumi_cli import PulumiCli
from shared.orchestrator.scheduler import DONE
from shared.orchestrator.stack_state import StackState, update_message
from shared.orchestrator.system import run
from tests.orchestrator.conftest import Standin

OURS = "0123456789abcdef"


def deploy(standin: Standin) -> None:
    deploy_all(Context(), env="dev", yes=True, backend=standin.backend)


def redeploy(standin: Standin) -> list[str]:
    """A second `invoke deploy-all` from this checkout: the layers it ran `pulumi up` on."""
    standin.forget_calls()
    deploy(standin)
    return standin.layers("up")


def test_an_unchanged_untouched_system_is_not_deployed_again(standin, capsys):
    deploy(standin)
    capsys.readouterr()
    assert redeploy(standin) == []
    out = capsys.readouterr().out
    assert all(f"{layer}: unchanged" in out for layer in LAYERS)


def test_a_layer_destroyed_out_of_band_is_deployed_again(standin, capsys):
    deploy(standin)
    standin.by_hand("compute", "destroy", "--stack", "dev", "--yes", "--non-interactive")
    capsys.readouterr()
    assert redeploy(standin) == ["compute"]
    assert "compute: done" in capsys.readouterr().out
    assert "its last operation was a destroy" in standin.log("dev", "compute").read_text()


def test_a_removed_stack_is_deployed_again(standin):
    deploy(standin)
    standin.by_hand("data", "stack", "rm", "dev", "--yes", "--force")
    assert redeploy(standin) == ["data"]
    assert "no stack yet" in standin.log("dev", "data").read_text()


def test_a_newer_deployment_from_another_checkout_is_deployed_again(standin, tmp_path, monkeypatch):
    deploy(standin)
    # A teammate's clone, one commit apart, with its own .runs/, deploys compute to the same backend.
    other = tmp_path / "teammate"
    for name in ("shared", "stacks"):
        shutil.copytree(REPO_ROOT / name, other / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Pulumi.base.yaml", "requirements.txt"):
        shutil.copy(REPO_ROOT / name, other / name)
    program = other / "stacks" / "compute" / "__main__.py"
    program.write_text(program.read_text() + "\n# the teammate's change\n")
    monkeypatch.setenv("DR_RUNS_DIR", str(tmp_path / "teammate-runs"))
    theirs = run(PulumiCli(resolve_backend(standin.backend), root=other), "dev", "up", ["compute"])
    assert theirs.outcomes["compute"].status == DONE
    assert [c["layer"] for c in standin.ran("up")][-1] == "compute"
    monkeypatch.setenv("DR_RUNS_DIR", str(standin.root / "runs"))
    assert redeploy(standin) == ["compute"]
    assert "deployed with other inputs" in standin.log("dev", "compute").read_text()


def test_a_deployment_by_hand_is_not_taken_for_ours(standin):
    deploy(standin)
    standin.by_hand("monitoring", "up", "--stack", "dev", "--yes", "--non-interactive")
    assert redeploy(standin) == ["monitoring"]
    assert "deployed outside invoke" in standin.log("dev", "monitoring").read_text()


def update(kind: str = "update", result: str = "succeeded", message: str = update_message(OURS)) -> dict:
    return {"version": 0, "kind": kind, "result": result, "message": message,
            "startTime": "2026-01-01T00:00:09.000Z"}


@pytest.mark.parametrize(("state", "reason"), [
    (StackState(exists=False), "no stack yet"),
    (StackState(exists=True, resources=None), "never deployed"),
    (StackState(exists=True, resources=9, in_progress=True, latest=update()), "an update is in progress"),
    (StackState(exists=True, resources=0, latest=update("destroy")), "last operation was a destroy"),
    (StackState(exists=True, resources=9, latest=update("refresh")), "last operation was a refresh"),
    (StackState(exists=True, resources=9, latest=update(result="failed")), "last update failed"),
    (StackState(exists=True, resources=0, latest=update()), "holds no resources"),
    (StackState(exists=True, resources=9, latest=update(message="")), "deployed outside invoke"),
    (StackState(exists=True, resources=9, latest=update(message=update_message("fedcba9876543210"))),
     "deployed with other inputs"),
    (StackState(exists=True, resources=9, latest={**update(), "endTime": "2026-01-01T00:00:11.000Z"},
                written="2026-01-01T00:05:00.000Z"), "after its last recorded update"),
], ids=lambda value: value if isinstance(value, str) else "")
def test_what_the_backend_says_decides_whether_to_run(state, reason):
    assert reason in (state.why_run(OURS) or "")


def test_the_checkpoint_written_as_its_update_ends_is_that_update():
    # DIY writes the last checkpoint just after taking the end time (whole seconds).
    ended = {**update(), "endTime": "2026-01-01T00:00:11.000Z"}
    for written in ("2026-01-01T00:00:11.900Z", "2026-01-01T00:00:19.000Z", None):
        assert StackState(exists=True, resources=9, latest=ended, written=written).why_run(OURS) is None


def test_our_own_succeeded_update_over_resources_is_current():
    assert StackState(exists=True, resources=9, latest=update()).why_run(OURS) is None


def test_no_file_of_the_checkout_remembers_deployments(standin):
    deploy(standin)
    leftovers = {p.name for p in Path(standin.root / "runs" / "dev").iterdir()}
    assert leftovers == {f"{layer}.log" for layer in LAYERS}
