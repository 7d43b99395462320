"""invoke drill: failover, verification, failback, and a report of what was measured."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest

from shared.ops.aws.errors import OpsError, Refused
from shared.ops.drills.drill import run_drill
from tests.ops.conftest import PRIMARY, SECONDARY, Aws
from tests.ops.test_failover import (
    queue_dials_back_and_verify,
    queue_failback_preflight,
    queue_preflight,
    queue_traffic_move,
    queue_verify,
)


def no_bring_up(role: str) -> None:
    """A hot standby: the failover has no bring-up step to queue answers for."""


def queue_failback(aws: Aws, bring_up: Callable[[str], None] = no_bring_up) -> None:
    queue_failback_preflight(aws, lag_ms=500, snapshots=None)  # a drill's failback checks no record
    bring_up("primary")
    aws.cluster(PRIMARY, writer="secondary")
    aws.switchover(PRIMARY, target="primary")
    aws.cluster(PRIMARY, writer="primary")
    queue_dials_back_and_verify(aws)


def queue_status_while_secondary_serves(aws: Aws) -> None:
    aws.cluster(PRIMARY, writer="secondary")
    aws.group("primary", 0)
    aws.health("primary")
    aws.lag("primary", 700)
    aws.group("secondary", 100)
    aws.health("secondary")


def queue_whole_drill(aws: Aws, bring_up: Callable[[str], None] = no_bring_up) -> None:
    aws.cluster(PRIMARY, writer="primary")  # a drill starts from the primary
    queue_preflight(aws, lag_ms=1200)
    bring_up("secondary")
    aws.cluster(SECONDARY, writer="primary")
    aws.switchover(SECONDARY, target="secondary")
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)
    queue_status_while_secondary_serves(aws)
    queue_failback(aws, bring_up)


def test_a_drill_fails_over_fails_back_and_reports_the_recovery_time(aws, engine, tmp_path, printed):
    queue_whole_drill(aws)

    report = run_drill(aws.topology, aws.clients, engine, yes=False, echo=printed.append,
                       report_dir=tmp_path / "reports")

    aws.verify_all_used()
    assert report.outcome == "passed"
    assert aws.active_region_in(PRIMARY) == aws.active_region_in(SECONDARY) == PRIMARY
    markdown, = (tmp_path / "reports").glob("drill-*.md")
    data = json.loads(next((tmp_path / "reports").glob("drill-*.json")).read_text())
    assert data["outcome"] == "passed"
    assert data["recovery_seconds"] == report.failover.recovery_seconds > 0
    assert data["replication_lag"] == {"before_failover_max_seconds": 1.2,
                                       "before_failback_max_seconds": 0.5}
    assert [s["name"] for s in data["failover"]["steps"]] == [
        "preflight", "fence", "database", "traffic", "parameter", "verify"]
    assert data["observed_during_failover"]["database writer"] == SECONDARY
    text = markdown.read_text()
    assert f"Observed recovery time (failover): **{report.failover.recovery_seconds:.1f} s**" in text
    assert "| database | done |" in text


def test_a_drill_that_stops_still_writes_its_report(aws, engine, tmp_path, printed):
    aws.cluster(PRIMARY, writer="primary")
    aws.entries.set("secondary", "failing")
    queue_preflight(aws, healthy=False)

    with pytest.raises(Refused, match="unhealthy"):
        run_drill(aws.topology, aws.clients, engine, yes=True, echo=printed.append,
                  report_dir=tmp_path)

    data = json.loads(next(tmp_path.glob("drill-*.json")).read_text())
    assert data["outcome"] == "failed" and "unhealthy" in data["error"]
    assert "Observed recovery time (failover): not reached" in next(tmp_path.glob("drill-*.md")).read_text()


def test_a_protected_environment_needs_yes(aws, engine, tmp_path):
    protected = replace(aws.topology, protect_data=True)
    with pytest.raises(Refused, match=r"protected \(dr:protectData\).*rerun with --yes"):
        run_drill(protected, aws.clients, engine, yes=False, report_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_drill_refuses_to_start_from_a_failed_over_pair(aws, engine, tmp_path):
    aws.cluster(PRIMARY, writer="secondary")
    with pytest.raises(Refused, match=r"is not the writer; fail back first \(invoke failback\)"):
        run_drill(aws.topology, aws.clients, engine, yes=True, report_dir=tmp_path)


def test_a_drill_measures_what_users_saw_and_what_was_lost(aws, tmp_path, printed, stores):
    """The prober asks loopback servers standing in for the accelerator and both APIs (the
    accelerator follows the active-region flag, a region's health its write fence); the heartbeat
    writes to the table in each move's writer region and reads back from the new writer."""
    from shared.ops.aws.waiting import Timeouts, Waiter
    from shared.ops.drills.heartbeat import Heartbeat
    from shared.ops.drills.user_probe import ACCELERATOR, UserProber, entry_points
    from shared.ops.engines.failover import Failover
    from shared.ops.engines.state import StateStore
    from tests.ops.conftest import FakeClock
    from tests.ops.test_outage_drill import World

    world = World(aws)
    clock = FakeClock()
    engine = Failover(aws.topology, aws.clients, store=StateStore(tmp_path / "runs"),
                      waiter=Waiter(clock=clock, sleep=clock.sleep, echo=printed.append, interval=5),
                      echo=printed.append, prober=world.probe, timeouts=Timeouts(probe=1))
    queue_whole_drill(aws)
    prober = UserProber(entry_points(aws.topology), interval=0.05, timeout=0.5, fetch=world.fetch)
    beats = FakeClock()
    heartbeat = Heartbeat(replace(aws.topology, db_name=""), aws.clients, "planned-test", interval=0.05,
                          clock=beats, sleep=beats.sleep)
    try:
        report = run_drill(aws.topology, aws.clients, engine, yes=False, echo=printed.append,
                           report_dir=tmp_path / "reports", prober=prober, heartbeat=heartbeat,
                           settle_seconds=10)
    finally:
        world.close()

    assert report.outcome == "passed"
    data = json.loads(next((tmp_path / "reports").glob("drill-*.json")).read_text())
    assert data["kind"] == "planned"
    through = data["user_outage"][ACCELERATOR]
    assert set(through) == {"failover", "failback"}
    assert through["failover"]["reached_new_region"] and through["failover"]["new_region"] == SECONDARY
    assert through["failback"]["reached_new_region"] and through["failback"]["new_region"] == PRIMARY
    assert through["failover"]["first_good"]["region"] == SECONDARY
    assert {entry for entry in data["user_outage"]} == set(entry_points(aws.topology))
    assert set(data["rpo"]) == {"failover", "failback"}
    for move, (written, read) in {"failover": (PRIMARY, SECONDARY), "failback": (SECONDARY, PRIMARY)}.items():
        table = next(r for r in data["rpo"][move] if r["store"] == "dynamodb")
        assert (table["written_region"], table["read_region"]) == (written, read)
    markdown = next((tmp_path / "reports").glob("drill-*.md")).read_text()
    assert f"| {ACCELERATOR} | failover |" in markdown and "- Data loss (failover, dynamodb): " in markdown


def test_without_a_prober_or_heartbeat_the_report_says_they_were_not_measured(aws, engine, tmp_path, printed):
    aws.cluster(PRIMARY, writer="primary")
    aws.fail("rds", SECONDARY, "describe_global_clusters")  # the drill stops in its preflight
    with pytest.raises(OpsError):
        run_drill(aws.topology, aws.clients, engine, yes=False, echo=printed.append,
                  report_dir=tmp_path / "reports")
    text = next((tmp_path / "reports").glob("drill-*.md")).read_text()
    assert "- User-visible outage: not measured (no prober ran)" in text
    assert "- Data loss: not measured (no heartbeat ran)" in text
