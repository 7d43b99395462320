"""What users see during a drill: every entry point asked for its health once a `interval`, in
the background, from the operator's machine, the way a client would (HTTP(S), no AWS API).

Each answer records its HTTP status, latency, the region the health body names and a verdict:
- good: 2xx from a region whose writes are not fenced (it serves reads and writes);
- fenced: 2xx, but the body says the region's writes are fenced (reads only);
- impaired: 503 (the health function says a dependency does not answer, or a drill impairs it);
- failed: no answer within the timeout, or any other status or error.

`user_outage` turns the answers into the user-visible outage of one entry point: from the first
answer that is not good, at or after a moment, to the first good answer from the region that
should serve afterwards. That is the recovery time a user measures, not the one the steps add up to.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from shared.ops.aws.entry import probe_tls
from shared.ops.aws.topology import DrTopology

GOOD, FENCED, IMPAIRED, FAILED = "good", "fenced", "impaired", "failed"
VERDICTS = (GOOD, FENCED, IMPAIRED, FAILED)
ACCELERATOR = "accelerator"
BODY_LIMIT = 64 * 1024  # a health body is a few hundred bytes; never read more than this


@dataclass(frozen=True)
class Reply:
    """One GET as the transport saw it: status None when nothing answered HTTP."""

    status: int | None
    body: bytes = b""
    detail: str = ""


Fetch = Callable[[str, float], Reply]


def http_get(url: str, timeout: float) -> Reply:
    """GET `url` once within `timeout` seconds; every outcome is a Reply, never an exception."""
    request = urllib.request.Request(url, method="GET", headers={
        "User-Agent": "dr-drill-user-probe", "Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(request, timeout=timeout,  # noqa: S310 (http(s) by design)
                                    context=probe_tls()) as response:
            return Reply(int(response.status), response.read(BODY_LIMIT), f"HTTP {response.status}")
    except urllib.error.HTTPError as error:
        try:
            body = error.read(BODY_LIMIT)
        except OSError:
            body = b""
        return Reply(error.code, body, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        said = " ".join(str(reason).split())
        if isinstance(reason, TimeoutError):
            return Reply(None, b"", f"no answer within {timeout:g} s ({said})")
        return Reply(None, b"", f"no answer ({said})")


@dataclass(frozen=True)
class Answer:
    entry: str
    at: float  # seconds on the prober's clock since start, when the request was sent
    wall: str  # the same moment, ISO UTC
    status: int | None  # None: nothing answered HTTP
    latency_ms: float
    region: str | None  # the region the health body names
    verdict: str  # good | fenced | impaired | failed
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "at": round(self.at, 3), "wall": self.wall, "status": self.status,
                "latency_ms": round(self.latency_ms, 1), "region": self.region,
                "verdict": self.verdict, "detail": self.detail}


def judge(reply: Reply) -> tuple[str | None, str]:
    """(region named by the body, verdict) of one reply; the body shape is the health handler's
    (stacks/compute/handlers/health.py): {"region": ..., "writes_enabled": ..., ...}."""
    body: Any = None
    if reply.body:
        try:
            body = json.loads(reply.body)
        except ValueError:
            body = None
    region = body.get("region") if isinstance(body, dict) and isinstance(body.get("region"), str) else None
    if reply.status is None:
        return region, FAILED
    if 200 <= reply.status < 300:
        fenced = isinstance(body, dict) and body.get("writes_enabled") is False
        return region, FENCED if fenced else GOOD
    if reply.status == 503:
        return region, IMPAIRED
    return region, FAILED


class UserProber:
    """Asks each entry point (name -> URL) every `interval` seconds on its own thread, so a
    hanging entry point never delays the others' answers. Thread-safe; the threads never raise
    (an unexpected error becomes a failed answer) and stop within one timeout of `stop()`."""

    def __init__(self, entries: Mapping[str, str], *, interval: float = 1.0, timeout: float = 2.0,
                 clock: Callable[[], float] = time.monotonic, fetch: Fetch = http_get,
                 wall: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if interval <= 0 or timeout <= 0:
            raise ValueError("the prober's interval and timeout must be positive")
        self.entries = dict(entries)
        self.interval, self.timeout = interval, timeout
        self._clock, self._fetch, self._wall = clock, fetch, wall
        self._answers: list[Answer] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started: float | None = None

    def start(self) -> UserProber:
        if self._threads:
            return self
        self._started = self._clock()
        self._stop.clear()
        self._threads = [threading.Thread(target=self._loop, args=(entry, url), daemon=True,
                                          name=f"user-probe-{entry}")
                         for entry, url in self.entries.items()]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> list[Answer]:
        """Stop asking; every answer so far, in the order they were recorded."""
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + self.interval + 1.0)
        self._threads = []
        return self.answers()

    def __enter__(self) -> UserProber:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def now(self) -> float:
        """Seconds since start on the prober's clock: the time base of Answer.at and `since`."""
        return 0.0 if self._started is None else self._clock() - self._started

    def answers(self, entry: str | None = None) -> list[Answer]:
        with self._changed:
            return [a for a in self._answers if entry is None or a.entry == entry]

    def wait_for(self, entry: str, predicate: Callable[[Answer], bool],
                 timeout: float) -> Answer | None:
        """Block until an answer of `entry` recorded after this call satisfies `predicate`;
        None after `timeout` seconds (real time) or once the prober stopped."""
        deadline = time.monotonic() + timeout
        with self._changed:
            seen = len(self._answers)
            while True:
                for answer in self._answers[seen:]:
                    if answer.entry == entry and predicate(answer):
                        return answer
                seen = len(self._answers)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._stop.is_set():
                    return None
                self._changed.wait(min(remaining, max(self.interval, 0.05)))

    def _loop(self, entry: str, url: str) -> None:
        tick = 0
        while not self._stop.is_set():
            self._record(self._ask(entry, url))
            tick += 1
            # Ask on a fixed cadence from start: a slow answer shortens the pause, never shifts it.
            pause = (tick * self.interval) - self.now()
            if pause > 0 and self._stop.wait(pause):
                break

    def _ask(self, entry: str, url: str) -> Answer:
        sent, wall = self.now(), self._wall().isoformat(timespec="milliseconds")
        began = time.perf_counter()
        try:
            reply = self._fetch(url, self.timeout)
            region, verdict = judge(reply)
        except Exception as error:  # the thread must live on: an error is a failed answer
            reply = Reply(None, b"", f"probe error: {type(error).__name__}: {error}")
            region, verdict = None, FAILED
        return Answer(entry, sent, wall, reply.status, (time.perf_counter() - began) * 1000, region,
                      verdict, reply.detail)

    def _record(self, answer: Answer) -> None:
        with self._changed:
            self._answers.append(answer)
            self._changed.notify_all()


@dataclass(frozen=True)
class Outage:
    """The user-visible outage of one entry point in a window of the drill."""

    entry: str
    new_region: str
    since: float
    seconds: float | None  # 0: never failed; None: not recovered within the answers (see explanation)
    explanation: str
    first_bad: Answer | None = None  # first failed/fenced/impaired answer at or after `since`
    first_good: Answer | None = None  # first good answer from new_region after it
    answers: int = 0  # answers in the window
    bad_answers: Mapping[str, int] | None = None  # failed/fenced/impaired answers, by verdict
    reached_new_region: bool = False  # a good answer from new_region came within the window

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "new_region": self.new_region, "since": round(self.since, 3),
                "seconds": None if self.seconds is None else round(self.seconds, 3),
                "explanation": self.explanation,
                "first_bad": self.first_bad.to_json() if self.first_bad else None,
                "first_good": self.first_good.to_json() if self.first_good else None,
                "answers": self.answers, "bad_answers": dict(self.bad_answers or {}),
                "reached_new_region": self.reached_new_region}


def user_outage(answers: list[Answer], entry: str, *, since: float, new_region: str,
                until: float | None = None) -> Outage:
    """From the first failed, fenced or impaired answer of `entry` sent at or after `since` (and
    before `until`, when given) to the first good answer from `new_region` after it.

    A good answer from another region in between does not end it: users were sent back to the
    region being left, which is not the recovery. Without any bad answer the outage is 0 (the
    explanation says whether answers came from `new_region`); without a good answer from
    `new_region` after the first bad one it is None, and the explanation says what came last.
    """
    window = sorted((a for a in answers if a.entry == entry and a.at >= since
                     and (until is None or a.at < until)), key=lambda a: a.at)
    bad = Counter(a.verdict for a in window if a.verdict != GOOD)
    common: dict[str, Any] = {"answers": len(window), "bad_answers": dict(bad)}

    def good_from_new(a: Answer) -> bool:
        return a.verdict == GOOD and a.region == new_region

    if not window:
        return Outage(entry, new_region, since, None, "no answers in the window", **common)
    first_bad = next((a for a in window if a.verdict != GOOD), None)
    if first_bad is None:
        moved = next((a for a in window if good_from_new(a)), None)
        where = (f"answers from {new_region} from {moved.wall}" if moved
                 else f"but no answer came from {new_region}")
        return Outage(entry, new_region, since, 0.0, f"no failed answer in {len(window)}; {where}",
                      first_good=moved, reached_new_region=moved is not None, **common)
    first_good = next((a for a in window if a.at > first_bad.at and good_from_new(a)), None)
    if first_good is None:
        last = window[-1]
        return Outage(entry, new_region, since, None,
                      f"not recovered: {first_bad.verdict} from {first_bad.wall}, last answer "
                      f"{last.verdict} ({last.detail or last.status}) from {last.region or 'no region'}; "
                      f"no good answer from {new_region}", first_bad=first_bad, **common)
    seconds = first_good.at - first_bad.at
    return Outage(entry, new_region, since, seconds,
                  f"{first_bad.verdict} from {first_bad.wall} to good from {new_region} at "
                  f"{first_good.wall}", first_bad=first_bad, first_good=first_good,
                  reached_new_region=True, **common)


def entry_points(topology: DrTopology) -> dict[str, str]:
    """The accelerator's health URL, and each region's REST API stage URL with the health path
    (compute routes GET <health path> on the API to the same health function the accelerator
    reaches through NLB -> ALB). The API entries are left out when compute is not deployed."""
    entries = {ACCELERATOR: topology.accelerator_health_url} if topology.accelerator_health_url else {}
    path = urlsplit(topology.accelerator_health_url or topology.primary.health_url).path or "/health"
    for side in topology.regions:
        if side.api_url:
            entries[f"{side.role}-api"] = side.api_url.rstrip("/") + path
    return entries


def expected_region(topology: DrTopology, entry: str, target_region: str) -> str:
    """The region whose good answer ends the outage of `entry` once `target_region` serves: the
    accelerator moves users there; a region's own API can only ever answer from its region."""
    for side in topology.regions:
        if entry == f"{side.role}-api":
            return side.region
    return target_region
