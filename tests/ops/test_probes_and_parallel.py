"""The building blocks of the outage path: an HTTP probe of a region's own /health, and steps
run side by side with a bound, so a dependency that hangs costs its bound once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from shared.ops.aws.entry import http_probe
from shared.ops.aws.parallel import NoAnswer, first_good, together
from tests.ops.loopback import answering, closed_port_url


@pytest.fixture
def server() -> Iterator[str]:
    with answering(lambda path: 200 if path == "/health" else 503) as base:
        yield base


def test_the_probe_tells_healthy_from_failing_from_silent(server):
    healthy = http_probe(f"{server}/health", 2)
    failing = http_probe(f"{server}/other", 2)
    silent = http_probe(closed_port_url(), 2)
    assert (healthy.answered, healthy.healthy, healthy.detail) == (True, True, "HTTP 200")
    assert (failing.answered, failing.healthy, failing.detail) == (True, False, "HTTP 503")
    assert (silent.answered, silent.healthy) == (False, False) and silent.detail.startswith("no answer")


def test_side_by_side_a_hung_task_costs_its_bound_and_the_others_finish():
    never = threading.Event()
    outcomes = together({"hangs": lambda: never.wait(), "fails": lambda: 1 / 0, "answers": lambda: 42},
                        timeout=0.2)
    never.set()  # let the abandoned thread end
    assert list(outcomes) == ["hangs", "fails", "answers"]  # the order asked, whatever finished first
    assert isinstance(outcomes["hangs"].error, NoAnswer)
    assert isinstance(outcomes["fails"].error, ZeroDivisionError)
    assert outcomes["answers"].value == 42 and outcomes["answers"].ok


def test_ctrl_c_while_steps_run_leaves_daemon_threads_that_do_not_act_afterwards():
    import _thread

    from shared.ops.aws.parallel import interrupted

    released, acted, threads = threading.Event(), [], []

    def slow_step() -> None:  # still reading AWS when the operator presses Ctrl-C
        threads.append(threading.current_thread())
        released.wait(5)
        if not interrupted():
            acted.append("switchover")

    def operator_presses_ctrl_c() -> None:
        _thread.interrupt_main()

    with pytest.raises(KeyboardInterrupt):
        together({"database": slow_step, "ctrl-c": operator_presses_ctrl_c}, timeout=5)
        time.sleep(5)  # the interrupt lands at the latest here, never after the test
    released.set()
    threads[0].join(5)
    assert interrupted() and acted == []
    assert threads[0].daemon  # the interpreter does not wait for it at exit


def test_first_good_returns_with_the_first_success_without_waiting_for_a_hanging_source():
    release = threading.Event()
    started = time.monotonic()
    try:
        outcomes = first_good({"lost": lambda: "late" if release.wait(30) else "never",
                               "survivor": lambda: "mirror"}, timeout=30, grace=0.2)
    finally:
        release.set()
    assert time.monotonic() - started < 5  # the grace, not the lost region's 30 s
    assert outcomes["survivor"].value == "mirror"
    assert isinstance(outcomes["lost"].error, NoAnswer)


def test_first_good_prefers_the_first_source_when_it_answers_about_as_fast():
    def slightly_slower() -> str:
        time.sleep(0.05)
        return "preferred"

    outcomes = first_good({"profile region": slightly_slower, "other": lambda: "other"}, timeout=5, grace=2)
    assert outcomes["profile region"].value == "preferred" and outcomes["other"].value == "other"


def test_first_good_goes_past_a_source_that_fails():
    def refused() -> str:
        raise ConnectionError("refused")

    outcomes = first_good({"lost": refused, "survivor": lambda: "mirror"}, timeout=5)
    assert not outcomes["lost"].ok and outcomes["survivor"].value == "mirror"
