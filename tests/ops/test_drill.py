"""invoke drill: failover, verification, failback, and a report of what was measured."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.ops.drill import run_drill
from shared.ops.errors import Refused
from tests.ops.conftest import PRIMARY, SECONDARY, Aws
from tests.ops.test_failover import (
    queue_dials_back_and_verify,
    queue_failback_preflight,
    queue_preflight,
    queue_traffic_move,
    queue_verify,
)


def queue_failback(aws: Aws) -> None:
    queue_failback_preflight(aws, lag_ms=500)
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


def test_a_drill_fails_over_fails_back_and_reports_the_recovery_time(aws, engine, tmp_path, printed):
    aws.cluster(PRIMARY, writer="primary")  # a drill starts from the primary
    queue_preflight(aws, lag_ms=1200)
    aws.cluster(SECONDARY, writer="primary")
    aws.switchover(SECONDARY, target="secondary")
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)
    queue_status_while_secondary_serves(aws)
    queue_failback(aws)

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
