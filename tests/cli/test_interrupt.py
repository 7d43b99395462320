"""Ctrl-C during `invoke plan` and `plan --compare`: exit 130 with one line, promptly, and the
compared revision's planner and scratch tree gone (it hung, exited 1 silently, or printed asyncio
noise and 'planning ... failed: no message')."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from shared.cli.common import EXIT_INTERRUPTED
from shared.config import REPO_ROOT

# Generous: only a hang (the bug) takes this long; a prompt exit is well under a second.
PROMPT = 60


def _interrupt_after(line: str, args: list[str], tmp_path) -> tuple[int, list[str]]:
    """Run `invoke ARGS`, send SIGINT once stderr shows `line` (the task is then planning)."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    task = subprocess.Popen([sys.executable, "-m", "invoke", *args], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert task.stderr is not None
    seen = []
    for text in task.stderr:
        seen.append(text.rstrip("\n"))
        if text.startswith(line):
            break
    task.send_signal(signal.SIGINT)
    try:
        _, rest = task.communicate(timeout=PROMPT)
    except subprocess.TimeoutExpired:
        task.kill()
        pytest.fail(f"still running {PROMPT} s after Ctrl-C")
    return task.returncode, seen + rest.splitlines()


def test_ctrl_c_during_plan_is_exit_130_and_one_line(tmp_path):
    code, lines = _interrupt_after("environment: dev", ["plan"], tmp_path)
    assert code == EXIT_INTERRUPTED
    assert lines == ["environment: dev (the default; choose another with --env)",
                     "error: planning dev interrupted (Ctrl-C); nothing was written"]


def test_ctrl_c_during_plan_compare_stops_the_other_revision_too(tmp_path):
    # --fresh: a cached plan of either side could finish before the signal arrives.
    code, lines = _interrupt_after("planning HEAD", ["plan", "--env", "dev", "--compare", "HEAD", "--fresh"],
                                   tmp_path)
    assert code == EXIT_INTERRUPTED
    assert lines[-1] == "error: planning dev interrupted (Ctrl-C); nothing was written"
    assert not any("Traceback" in line or "asyncio" in line for line in lines), lines
    assert list(tmp_path.glob("dr-compare-*")) == []  # the exported revision is cleaned up
