"""Entry points on loopback for the prober: a server that answers by path, and a port nobody
listens on (what a lost region's NLB looks like from outside)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def answering(status_of: Callable[[str], int]) -> Iterator[str]:
    """Serve GETs with `status_of(path)` on a free loopback port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(status_of(self.path))
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/health"


class HealthEndpoint:
    """A health endpoint whose answer a test changes over time, on one loopback port that stays
    the same across `down()` (connection refused, like a lost region) and `up()`."""

    def __init__(self) -> None:
        self.status, self.body = 200, b""
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/health"

    def answer(self, status: int, region: str | None, writes_enabled: bool = True) -> None:
        """Answer like stacks/compute/handlers/health.py: its status and body."""
        self.status = status
        self.body = json.dumps({"region": region, "healthy": status == 200,
                                "writes_enabled": writes_enabled}).encode()

    def up(self) -> None:
        if self._server:
            return
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(endpoint.body)))
                self.end_headers()
                self.wfile.write(endpoint.body)

            def log_message(self, *args: Any) -> None:
                pass

        # allow_reuse_address (HTTPServer's default) lets the same port be bound again at once.
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HealthEndpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()
