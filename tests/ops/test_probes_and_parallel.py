"""The building blocks of the outage path: an HTTP probe of a region's own /health, and steps
run side by side with a bound, so a dependency that hangs costs its bound once."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from shared.ops.aws.entry import http_probe
from shared.ops.aws.parallel import NoAnswer, together
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
