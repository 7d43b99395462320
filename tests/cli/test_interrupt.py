"""Ctrl-C during any task: exit 130 with one line, promptly; during `plan --compare` the compared
revision's planner and scratch tree gone too (it hung, exited 1 silently, or printed asyncio noise
and 'planning ... failed: no message')."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_INTERRUPTED, Task, task
from shared.config import REPO_ROOT

# Generous: only a hang (the bug) takes this long; a prompt exit is well under a second.
PROMPT = 60


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "invoke", *args], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _ctrl_c(task: subprocess.Popen[str]) -> tuple[int, list[str]]:
    """SIGINT, then the exit code and the rest of stderr, failing when the task does not stop."""
    task.send_signal(signal.SIGINT)
    try:
        _, rest = task.communicate(timeout=PROMPT)
    except subprocess.TimeoutExpired:
        task.kill()
        pytest.fail(f"still running {PROMPT} s after Ctrl-C")
    return task.returncode, rest.splitlines()


def _interrupt_after(line: str, args: list[str], tmp_path, delay: float = 0) -> tuple[int, list[str]]:
    """Run `invoke ARGS`, send SIGINT `delay` seconds after stderr shows `line` (the task is then
    planning)."""
    task = _start(args, {**os.environ, "TMPDIR": str(tmp_path)})
    assert task.stderr is not None
    seen = []
    for text in task.stderr:
        seen.append(text.rstrip("\n"))
        if text.startswith(line):
            break
    time.sleep(delay)
    code, rest = _ctrl_c(task)
    return code, seen + rest


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


def test_ctrl_c_during_check_is_exit_130_and_one_line(tmp_path):
    # check plans offline like plan does (for seconds: a second in, it is in Pulumi's runtime),
    # where a KeyboardInterrupt printed asyncio noise or took seconds to surface.
    code, lines = _interrupt_after("environment: dev", ["check"], tmp_path, delay=1)
    assert code == EXIT_INTERRUPTED
    assert lines[1:] == ["error: planning dev interrupted (Ctrl-C); nothing was written"], lines


def test_ctrl_c_while_a_task_waits_on_aws_is_exit_130_and_one_line(tmp_path):
    """`invoke status` blocked on an AWS endpoint that never answers (a lost region): Ctrl-C is
    one line and 130 (invoke alone exits 1 without a word)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(PROMPT)
        nowhere = str(tmp_path / "none")
        env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{silent.getsockname()[1]}",
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_CONFIG_FILE": nowhere, "AWS_SHARED_CREDENTIALS_FILE": nowhere}
        env.pop("AWS_PROFILE", None)
        task = _start(["status", "--env", "dev"], env)
        connection, _ = silent.accept()  # the task now waits for SSM's answer
        with connection:
            code, errors = _ctrl_c(task)
    assert code == EXIT_INTERRUPTED
    assert errors == ["error: status interrupted (Ctrl-C)"]


def _task_raising(error: BaseException) -> Task:
    @task
    def clean_leftovers(c: Context) -> None:
        raise error

    return clean_leftovers


def test_a_ctrl_c_escaping_any_task_becomes_one_line_and_130():
    with pytest.raises(Exit) as stopped:
        _task_raising(KeyboardInterrupt())(Context())
    assert (stopped.value.code, stopped.value.message) == (
        EXIT_INTERRUPTED, "error: clean-leftovers interrupted (Ctrl-C)")
    assert stopped.value.__suppress_context__  # no traceback chained to the line


def test_a_task_that_handles_ctrl_c_itself_keeps_its_own_line():
    # deploy-all's cancel summary, the outage drill's "flag is cleared" pass through unchanged.
    own = Exit("error: deploy interrupted: network-primary cancelled", code=EXIT_INTERRUPTED)
    with pytest.raises(Exit) as stopped:
        _task_raising(own)(Context())
    assert stopped.value is own
