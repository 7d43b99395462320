"""A region's own entry point, probed over HTTP(S): the data plane says whether it serves.

No AWS API is involved, so the verdict needs neither Route 53's control plane (us-east-1) nor
Global Accelerator's (us-west-2): only the region being judged has to answer. Tests hand in a
prober, or point the URL at a server on loopback.
"""

from __future__ import annotations

import functools
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass


@functools.cache  # loading the CA bundle takes a fifth of a second: once per process
def probe_tls() -> ssl.SSLContext:
    """TLS for probes of the NLB and accelerator names: the chain is verified, the name is not,
    because the certificate carries the service's domain, not those AWS-made names (Route 53's
    HTTPS checks do not validate it either)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    return context


@dataclass(frozen=True)
class EntryAnswer:
    url: str
    answered: bool  # something answered HTTP at all (a 503 answers; a timeout does not)
    healthy: bool  # answered 2xx/3xx
    detail: str
    role: str | None = None  # the health answer's `role` (active, standby, moving), when it says one

    def describe(self) -> str:
        return f"{self.url}: {self.detail}"


Prober = Callable[[str, float], EntryAnswer]


def http_probe(url: str, timeout: float) -> EntryAnswer:
    """GET `url` once within `timeout` seconds (no retries: the caller decides what to do)."""
    request = urllib.request.Request(url, method="GET", headers={"User-Agent": "dr-ops-probe"})
    try:
        with urllib.request.urlopen(request, timeout=timeout,  # noqa: S310 (http(s) by design)
                                    context=probe_tls()) as response:
            code = int(response.status)
            role = _role(response.read(64 * 1024))
    except urllib.error.HTTPError as error:
        return EntryAnswer(url, answered=True, healthy=False, detail=f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return EntryAnswer(url, answered=False, healthy=False,
                           detail=f"no answer within {timeout:g} s ({' '.join(str(reason).split())})")
    return EntryAnswer(url, answered=True, healthy=200 <= code < 400, detail=f"HTTP {code}", role=role)


def _role(body: bytes) -> str | None:
    """The `role` of a health answer (stacks/compute/handlers/health.py); None for any other body."""
    try:
        found = json.loads(body).get("role")
    except (ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None
