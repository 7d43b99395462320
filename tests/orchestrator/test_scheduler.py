"""The graph runner and one layer's operation: isolation, Ctrl-C, retries, change counts."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import sys
import threading
from types import CodeType

from shared import graph
from shared.contracts import LAYERS
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.operations import Operation
from shared.orchestrator.pulumi_cli import PulumiCli, parse_changes
from shared.orchestrator.scheduler import CANCELLED, DONE, FAILED, SKIPPED, Outcome, run_graph

WAIT_CODE = concurrent.futures.wait.__code__  # where the scheduler's main loop waits on layers
HANG_SECONDS = 600  # "forever" for a test: reaching it means the interrupt never arrived

PULUMI_UP_TAIL = """
Updating (dev):
     Type                 Name            Status
 +   pulumi:pulumi:Stack  data-dev        created (312s)
Resources:
    + 41 created
    ~ 2 updated
    +-1 replaced
    44 changes. 7 unchanged

Duration: 5m12s
"""


def test_change_counts_come_from_pulumis_closing_summary():
    assert parse_changes(PULUMI_UP_TAIL) == {"created": 41, "updated": 2, "replaced": 1, "unchanged": 7}
    assert parse_changes("Resources:\n    - 9 deleted\n") == {"deleted": 9}
    assert parse_changes("error: no summary") == {}


def test_a_failure_skips_exactly_its_transitive_dependents():
    def work(layer: str, stop: threading.Event) -> Outcome:
        return Outcome(layer, FAILED if layer == "global-traffic" else DONE)

    result = run_graph(LAYERS, graph.dependencies, work)
    status = {name: o.status for name, o in result.outcomes.items()}
    assert status == {"network-primary": DONE, "network-secondary": DONE, "global-traffic": FAILED,
                      "data": DONE, "compute": SKIPPED, "monitoring": SKIPPED, "recovery": SKIPPED}
    assert result.outcomes["monitoring"].message == "needs global-traffic, which failed"


def test_an_exception_in_one_layer_is_that_layers_failure():
    def work(layer: str, stop: threading.Event) -> Outcome:
        if layer == "data":
            raise RuntimeError("boom")
        return Outcome(layer, DONE)

    result = run_graph(LAYERS, graph.dependencies, work)
    assert result.outcomes["data"].status == FAILED and "boom" in result.outcomes["data"].message
    assert result.outcomes["global-traffic"].status == DONE


def test_ctrl_c_stops_running_layers_and_reports_every_layer():
    seen_stop: list[str] = []
    both_running = threading.Barrier(3)

    def work(layer: str, stop: threading.Event) -> Outcome:
        both_running.wait()
        # Only Ctrl-C ends this wait: a layer that returns on its own reports DONE, failing below.
        if stop.wait(HANG_SECONDS):
            seen_stop.append(layer)
            return Outcome(layer, CANCELLED, message="interrupted")
        return Outcome(layer, DONE)

    def ctrl_c_once_both_networks_run() -> None:
        both_running.wait()
        # And once the scheduler is back waiting on them: a Ctrl-C inside its `pool.submit`
        # would test Python's thread start-up, not how the scheduler stops running layers.
        pause = threading.Event()
        for _ in range(12_000):  # a minute at most, should the scheduler stop waiting this way
            if _main_thread_in(WAIT_CODE):
                break
            pause.wait(0.005)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=ctrl_c_once_both_networks_run, daemon=True).start()
    result = run_graph(LAYERS, graph.dependencies, work)
    assert result.interrupted
    assert sorted(seen_stop) == ["network-primary", "network-secondary"]
    assert {o.status for o in result.outcomes.values()} == {CANCELLED}
    assert result.outcomes["data"].message == "needs network-primary, which cancelled"


def _main_thread_in(code: CodeType) -> bool:
    frame = sys._current_frames().get(threading.main_thread().ident or 0)
    while frame is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


def operation(standin, action: str = "up") -> Operation:
    return Operation(PulumiCli(resolve_backend(standin.backend)), "dev", action, retry_delay=0.01)


def test_transient_aws_errors_are_retried(standin):
    standin.set(transient="network-primary:2")
    outcome = operation(standin)("network-primary", threading.Event())
    assert outcome.status == DONE and outcome.attempts == 3
    assert standin.log("dev", "network-primary").read_text().count("transient AWS error (Throttling") == 2


def test_a_stop_interrupts_pulumi_with_sigint_and_the_layer_is_cancelled(standin):
    standin.set(sleep=str(HANG_SECONDS))  # only SIGINT ends it within the test
    stop = threading.Event()
    standin.when_started("network-primary", "up", then=stop)
    outcome = operation(standin)("network-primary", stop)
    assert outcome.status == CANCELLED
    (call,) = standin.ran("up")
    assert call.get("interrupted") is True
