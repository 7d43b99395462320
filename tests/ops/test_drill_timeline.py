"""The drill reports' timeline: each step and each entry point's user-visible outage as a bar of
a Mermaid gantt, on the wall clock, beside the tables."""

from __future__ import annotations

from shared.ops.drills.drill import DrillReport
from shared.ops.drills.outage_report import OutageReport
from shared.ops.drills.timeline import gantt
from shared.ops.drills.user_probe import Answer, Outage
from shared.ops.engines.move import FailoverResult
from shared.ops.engines.state import StepRecord

ACCELERATOR = "accelerator"


def _move(*steps: StepRecord) -> FailoverResult:
    return FailoverResult("dev", "failover", "planned", "us-east-1", "us-east-2", list(steps), None, None)


def _outage(wall: str, seconds: float | None) -> Outage:
    bad = Answer(ACCELERATOR, 3.0, wall, 503, 12.0, "us-east-1", "fenced")
    return Outage(ACCELERATOR, "us-east-2", 0.0, seconds, "fenced, then the secondary", first_bad=bad)


FAILOVER = _move(StepRecord("fence-writes", "done", 4.0, at="2026-12-04T10:00:10+00:00"),
                 StepRecord("promote: db", "failed", 0.25, at="2026-12-04T10:00:11+00:00"))


def _bars(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.startswith("  ") and " :" in line]


def test_each_step_is_a_bar_ending_when_it_was_recorded_and_a_failed_one_is_critical():
    lines = gantt([("Failover", FAILOVER), ("Failback", None)], {})
    assert lines[:5] == ["", "## Timeline", "", "```mermaid", "gantt"] and lines[-1] == "```"
    assert "  section Failover" in lines and "  section Failback" not in lines
    assert _bars(lines) == ["fence-writes (done) :2026-12-04 10:00:06.000, 4000ms",
                            # ':' would end the label in Mermaid's syntax
                            "promote  db (failed) :crit, 2026-12-04 10:00:10.750, 250ms"]


def test_each_outage_is_a_critical_bar_from_the_first_bad_answer_and_an_unrecovered_one_a_milestone():
    outages = {ACCELERATOR: {"failover": _outage("2026-12-04T10:00:07.125+00:00", 2.5),
                             "failback": _outage("2026-12-04T10:05:00.000+00:00", None)}}
    bars = _bars(gantt([], outages))
    assert bars == ["accelerator failover 2.5 s :crit, 2026-12-04 10:00:07.125, 2500ms",
                    "accelerator failback not recovered :crit, milestone, 2026-12-04 10:05:00.000, 1ms"]


def test_nothing_timed_draws_no_timeline():
    never_failed = Outage(ACCELERATOR, "us-east-2", 0, 0, "ok")
    assert gantt([("Failover", None)], {ACCELERATOR: {"failover": never_failed}}) == []


def test_both_drill_reports_show_the_timeline_beside_the_tables():
    planned = DrillReport("dev", "2026-12-04T10:00:00+00:00", failover=FAILOVER).markdown()
    assert "## Timeline\n\n```mermaid\ngantt\n" in planned and "| fence-writes | done | 4.0 |" in planned
    outage = OutageReport("dev", "2026-12-04T10:00:00+00:00", "us-east-1", "us-east-2", "/flag",
                               failover=FAILOVER).markdown()
    assert "fence-writes (done) :2026-12-04 10:00:06.000, 4000ms" in outage
