"""Ctrl-C as Pulumi means it: the first cancels each running update gracefully and waits for
it, however long; only a second one terminates. A killed update on a DIY backend leaves no
history, only its lock: the next deploy-all reports the lock instead of "unchanged"."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from invoke import Context, Exit

from shared.cli.deploy import deploy_all
from shared.orchestrator.backend import layer_dir, resolve_backend
from shared.orchestrator.pulumi_cli import PulumiCli
from shared.orchestrator.scheduler import CANCELLED, CANCELLING, FAILED, TERMINATING
from shared.orchestrator.system import run
from tests.orchestrator.conftest import STARTED_TIMEOUT, Standin
from tests.orchestrator.test_scheduler import HANG_SECONDS, WAIT_CODE, _main_thread_in

LAYER = "network-primary"


def ctrl_c(marker: Path) -> None:
    """Press Ctrl-C once `marker` exists and the scheduler's main thread is waiting."""
    pause = threading.Event()
    for _ in range(int(STARTED_TIMEOUT / 0.01)):
        if marker.exists():
            break
        pause.wait(0.01)
    for _ in range(int(STARTED_TIMEOUT / 0.01)):
        if _main_thread_in(WAIT_CODE):
            break
        pause.wait(0.01)
    os.kill(os.getpid(), signal.SIGINT)


def press(standin: Standin, *markers: str) -> None:
    def presses() -> None:
        for marker in markers:
            ctrl_c(standin.root / marker)

    shutil.rmtree(standin.root / "started", ignore_errors=True)
    threading.Thread(target=presses, daemon=True).start()


def history(standin: Standin) -> list[dict]:
    folder = standin.root / "state" / ".pulumi" / "history" / LAYER / "dev"
    files = sorted(folder.glob("*.history.json"), key=lambda p: int(p.stem.split(".")[0].rsplit("-")[-1]))
    return [json.loads(p.read_text()) for p in files]


def locks(standin: Standin) -> list[Path]:
    return list((standin.root / "state" / ".pulumi" / "locks").rglob("*.json"))


def deploy_one(standin: Standin, resume: bool = True):
    return run(PulumiCli(resolve_backend(standin.backend)), "dev", "up", [LAYER], resume=resume)


def test_the_first_ctrl_c_cancels_gracefully_and_waits_for_pulumi_to_finish(standin, capsys):
    # Cancelling takes a while (operations in flight): it is waited for, never cut short.
    standin.set(sleep=str(HANG_SECONDS), cancel_seconds="0.5")
    press(standin, f"started/{LAYER}.up")
    result = deploy_one(standin)
    assert result.interrupted and result.outcomes[LAYER].status == CANCELLED
    (call,) = standin.ran("up")
    assert call["signals"] == ["SIGINT"], "one Ctrl-C is one SIGINT: no SIGTERM, no second signal"
    assert [entry["result"] for entry in history(standin)] == ["failed"]  # the update recorded itself
    assert locks(standin) == []
    assert CANCELLING in capsys.readouterr().err


def test_a_second_ctrl_c_terminates_and_the_lock_it_leaves_is_reported_not_trusted(standin, capsys):
    assert deploy_one(standin).outcomes[LAYER].ok
    standin.forget_calls()
    standin.set(sleep=str(HANG_SECONDS), cancel_seconds=str(HANG_SECONDS))
    press(standin, f"started/{LAYER}.up", f"cancelling/{LAYER}.up")
    result = deploy_one(standin, resume=False)
    assert result.outcomes[LAYER].status == CANCELLED
    assert "terminated" in result.outcomes[LAYER].message
    (call,) = standin.ran("up")
    assert call["signals"] == ["SIGINT", "SIGINT"]
    assert TERMINATING in capsys.readouterr().err
    # DIY: no history for the killed update, only its lock; history still shows the old success.
    assert [entry["result"] for entry in history(standin)] == ["succeeded"] and len(locks(standin)) == 1
    standin.set(sleep="0")
    standin.forget_calls()
    with pytest.raises(Exit):
        deploy_all(Context(), env="dev", yes=True, only=LAYER, backend=standin.backend)
    assert standin.ran("up") == [], "pulumi up would only fail on the lock"
    out = capsys.readouterr().out
    assert f"{LAYER}: {FAILED}" in out and "locked by standin@" in out and "pulumi cancel" in out


def test_the_standin_cancels_on_a_first_sigterm_and_previews_under_a_lock_as_the_real_cli(standin):
    # pulumi/pulumi pkg/backend/cancellation_scope.go: SIGTERM is a first signal like SIGINT
    # (since 3.136); pkg/backend/diy/backend.go: Preview takes no lock and checks none.
    standin.by_hand(LAYER, "stack", "select", "--create", "dev", "--secrets-provider", "passphrase")
    standin.set(sleep=str(HANG_SECONDS), cancel_seconds="0")
    env = {**os.environ, "PULUMI_BACKEND_URL": standin.backend}
    command = [str(standin.root / "bin" / "pulumi"), "up", "--stack", "dev", "--yes"]
    up = subprocess.Popen(command, cwd=layer_dir(LAYER), env=env, stdout=subprocess.PIPE, text=True)
    started = threading.Event()
    standin.when_started(LAYER, "up", started)
    assert started.wait(STARTED_TIMEOUT)
    assert len(locks(standin)) == 1
    standin.set(sleep="0")
    env["STANDIN_SLEEP"] = "0"
    preview = subprocess.run([*command[:1], "preview", "--stack", "dev"], cwd=layer_dir(LAYER),
                             env=env, capture_output=True, text=True, timeout=60, check=False)
    assert preview.returncode == 0, preview.stdout
    up.send_signal(signal.SIGTERM)
    output, _ = up.communicate(timeout=60)
    assert "SIGTERM received; cancelling" in output
    assert [entry["result"] for entry in history(standin)] == ["failed"] and locks(standin) == []


def test_a_killed_update_whose_lock_was_cancelled_is_not_taken_for_the_last_recorded_one(standin, capsys):
    # `pulumi cancel` on a DIY backend deletes the lock only: history still ends with the old
    # success, while the killed update rewrote the checkpoint (its `lastUpdate`) half-way.
    assert deploy_one(standin).outcomes[LAYER].ok
    clock = standin.root / "clock"
    clock.write_text(str(int(clock.read_text()) + 3600))  # an hour later, the same code
    standin.forget_calls()
    standin.set(sleep=str(HANG_SECONDS), cancel_seconds=str(HANG_SECONDS))
    press(standin, f"started/{LAYER}.up", f"cancelling/{LAYER}.up")
    assert deploy_one(standin, resume=False).outcomes[LAYER].status == CANCELLED
    standin.set(sleep="0")
    standin.by_hand(LAYER, "cancel", "--stack", "dev", "--yes")
    assert locks(standin) == [] and [e["result"] for e in history(standin)] == ["succeeded"]
    standin.forget_calls()
    result = deploy_one(standin)
    assert result.outcomes[LAYER].ok and len(standin.ran("up")) == 1, "not 'unchanged'"
    assert "after its last recorded update" in standin.log("dev", LAYER).read_text()
