"""The drill's user prober against real HTTP on loopback, and the user-visible outage it yields."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from shared.ops.drills.user_probe import (
    FAILED,
    FENCED,
    GOOD,
    IMPAIRED,
    Answer,
    Reply,
    UserProber,
    entry_points,
    expected_region,
    judge,
    user_outage,
)
from tests.ops.conftest import PRIMARY, SECONDARY, planned_topology
from tests.ops.loopback import HealthEndpoint, closed_port_url


def fast(entries: dict[str, str]) -> UserProber:
    """Every 50 ms, giving up after 0.5 s: a drill's second and two, scaled down for tests."""
    return UserProber(entries, interval=0.05, timeout=0.5)


@contextmanager
def hanging_url() -> Iterator[str]:
    """A port that accepts connections (the kernel's backlog) but never answers: a hung region."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/health"


def test_the_prober_follows_an_entry_point_from_the_primary_through_an_outage_to_the_secondary():
    with HealthEndpoint() as entry:
        entry.answer(200, PRIMARY)
        prober = fast({"accelerator": entry.url}).start()
        try:
            def seen(verdict: str, region: str | None) -> Answer | None:
                return prober.wait_for("accelerator",
                                       lambda a: a.verdict == verdict and a.region == region, 5)

            assert seen(GOOD, PRIMARY)
            since = prober.now()
            entry.answer(503, PRIMARY)
            impaired = seen(IMPAIRED, PRIMARY)
            entry.down()
            refused = seen(FAILED, None)
            entry.answer(200, SECONDARY)
            entry.up()
            recovered = seen(GOOD, SECONDARY)
        finally:
            answers = prober.stop()
    assert impaired and refused and recovered
    assert impaired.status == 503 and refused.status is None and refused.detail.startswith("no answer (")
    assert recovered.status == 200 and recovered.latency_ms > 0 and recovered.wall.endswith("+00:00")

    outage = user_outage(answers, "accelerator", since=since, new_region=SECONDARY)
    assert outage.first_bad is not None and outage.first_bad.verdict == IMPAIRED
    assert outage.first_good is not None and outage.first_good.region == SECONDARY
    assert outage.seconds == outage.first_good.at - outage.first_bad.at > 0
    assert outage.first_bad.at <= impaired.at and outage.first_good.at <= recovered.at
    assert outage.bad_answers and set(outage.bad_answers) == {IMPAIRED, FAILED}
    assert outage.to_json()["first_good"]["region"] == SECONDARY


def test_a_hung_entry_point_does_not_slow_the_others_down():
    with HealthEndpoint() as entry, hanging_url() as hung:
        entry.answer(200, PRIMARY)
        with fast({"good": entry.url, "hung": hung, "gone": closed_port_url()}) as prober:
            assert prober.wait_for("hung", lambda a: a.verdict == FAILED, 5)
        answers = prober.stop()
    good = [a for a in answers if a.entry == "good"]
    hung_answers = [a for a in answers if a.entry == "hung"]
    # The hung one times out after 0.5 s each; the good one kept its 0.05 s cadence meanwhile.
    assert len(good) >= 5 * len(hung_answers) and {a.verdict for a in good} == {GOOD}
    assert {a.verdict for a in answers if a.entry == "gone"} == {FAILED}
    assert all("no answer within 0.5 s" in a.detail for a in hung_answers)


def test_fenced_writes_are_their_own_verdict():
    with HealthEndpoint() as entry:
        entry.answer(200, SECONDARY, writes_enabled=False)
        with fast({"secondary-api": entry.url}) as prober:
            answer = prober.wait_for("secondary-api", lambda a: True, 5)
    assert answer and (answer.status, answer.region, answer.verdict) == (200, SECONDARY, FENCED)


def test_verdicts_of_odd_answers():
    assert judge(Reply(200, b"not json")) == (None, GOOD)
    assert judge(Reply(429, b'{"message": "Too Many Requests"}')) == (None, FAILED)
    assert judge(Reply(503, b'{"region": "us-east-1", "healthy": false}')) == (PRIMARY, IMPAIRED)
    assert judge(Reply(None, b"", "timed out")) == (None, FAILED)


def test_the_threads_never_raise_and_stop_cleanly():
    calls: list[str] = []

    def broken(url: str, timeout: float) -> Reply:
        calls.append(url)
        raise RuntimeError("socket exploded")

    prober = UserProber({"a": "http://x/health"}, interval=0.02, timeout=0.1, fetch=broken).start()
    assert prober.wait_for("a", lambda a: len(calls) >= 3, 5)
    answers = prober.stop()
    assert not prober.running
    assert {a.verdict for a in answers} == {FAILED}
    assert "probe error: RuntimeError: socket exploded" in answers[0].detail
    count = len(prober.answers())
    threading.Event().wait(0.1)
    assert len(prober.answers()) == count  # nothing is recorded after stop
    assert prober.wait_for("a", lambda a: True, 0.5) is None


def answer(at: float, verdict: str, region: str | None, entry: str = "accelerator") -> Answer:
    status = {GOOD: 200, FENCED: 200, IMPAIRED: 503, FAILED: None}[verdict]
    return Answer(entry, at, f"2026-01-01T00:00:{at:06.3f}+00:00", status, 10.0, region, verdict)


def test_the_outage_runs_from_the_first_bad_answer_to_the_first_good_one_from_the_new_region():
    answers = [answer(0, GOOD, PRIMARY), answer(1, GOOD, PRIMARY), answer(2, FENCED, PRIMARY),
               answer(3, FAILED, None), answer(4, GOOD, PRIMARY),  # back to the old region: not recovered
               answer(5, IMPAIRED, PRIMARY), answer(6.5, GOOD, SECONDARY), answer(7, GOOD, SECONDARY),
               answer(3, FAILED, None, entry="other")]
    outage = user_outage(answers, "accelerator", since=1, new_region=SECONDARY)
    assert outage.seconds == 4.5
    assert outage.first_bad and outage.first_bad.at == 2 and outage.first_good and outage.first_good.at == 6.5
    assert outage.bad_answers == {FENCED: 1, FAILED: 1, IMPAIRED: 1} and outage.answers == 7
    assert "fenced from" in outage.explanation and outage.reached_new_region


def test_no_outage_when_nothing_failed_and_none_when_nothing_recovered():
    steady = [answer(t, GOOD, SECONDARY) for t in range(5)]
    assert user_outage(steady, "accelerator", since=0, new_region=SECONDARY).seconds == 0
    stayed = user_outage([answer(t, GOOD, PRIMARY) for t in range(5)], "accelerator", since=0,
                         new_region=SECONDARY)
    assert stayed.seconds == 0 and not stayed.reached_new_region
    assert "no answer came from us-east-2" in stayed.explanation

    lost = [answer(0, GOOD, PRIMARY), answer(1, FAILED, None), answer(2, FAILED, None)]
    never = user_outage(lost, "accelerator", since=0, new_region=SECONDARY)
    assert never.seconds is None and never.first_bad and never.first_bad.at == 1
    assert never.explanation.startswith("not recovered")
    assert "no good answer from us-east-2" in never.explanation
    assert never.to_json()["seconds"] is None

    empty = user_outage(lost, "accelerator", since=10, new_region=SECONDARY)
    assert empty.seconds is None and empty.explanation == "no answers in the window"


def test_the_window_ends_at_until():
    answers = [answer(0, FENCED, PRIMARY), answer(5, GOOD, SECONDARY), answer(10, FAILED, None),
               answer(12, GOOD, PRIMARY)]
    assert user_outage(answers, "accelerator", since=0, until=10, new_region=SECONDARY).seconds == 5
    assert user_outage(answers, "accelerator", since=10, new_region=PRIMARY).seconds == 2


def test_entry_points_are_the_accelerator_and_each_regions_api_health():
    topology = planned_topology()
    entries = entry_points(topology)
    assert entries == {
        "accelerator": topology.accelerator_health_url,
        "primary-api": topology.primary.api_url + "/health",
        "secondary-api": topology.secondary.api_url + "/health",
    }
    assert entries["accelerator"].startswith("http://") and entries["accelerator"].endswith(":80/health")
    assert expected_region(topology, "accelerator", SECONDARY) == SECONDARY
    assert expected_region(topology, "primary-api", SECONDARY) == PRIMARY
