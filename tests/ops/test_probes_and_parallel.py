"""The building blocks of the outage path: an HTTP probe of a region's own /health, and steps
run side by side with a bound, so a dependency that hangs costs its bound once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.ops.entry import http_probe
from shared.ops.parallel import NoAnswer, together
from tests.ops.test_outage_end_to_end import closed_port_url


class Failing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


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
