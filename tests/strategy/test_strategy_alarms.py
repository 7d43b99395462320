"""A pilot light's headless standby and the Aurora replication alarms.

AWS documents AuroraGlobalDBReplicationLag per cluster but not whether a cluster without any DB
instance publishes it. Whichever it does, no alarm may lie: silence from the headless standby is
"not known" (INSUFFICIENT_DATA), never a page and never an OK; lag it does report still pages."""

from __future__ import annotations

import pytest

from tests.stacks.test_monitoring import (
    HEALTH_CHECK,
    LAYER,
    REGIONS,
    alarms,
    calculated_checks,
    lag_state,
    signals,
)
from tests.support import one, outputs, plan_of, resources


@pytest.fixture(scope="module")
def pilot_plan():
    return plan_of("dev", strategy="pilot-light")


def route53_status(child, signal_state):
    """A CLOUDWATCH_METRIC check's status for its alarm's state (1 healthy), before any history."""
    if signal_state == "INSUFFICIENT_DATA":
        return {"Healthy": 1, "Unhealthy": 0, "LastKnownStatus": 1}[
            child["inputs"]["insufficientDataHealthStatus"]]
    return 1 if signal_state == "OK" else 0


@pytest.mark.parametrize(("standby_reports", "lag_alarm", "pages"), [
    (None, "INSUFFICIENT_DATA", False),  # headless publishes nothing: unknown, no page, no OK
    (200, "OK", False),                  # it publishes, within the threshold
    (600_000, "ALARM", True)])           # it publishes real lag: that pages
def test_the_headless_standby_neither_pages_for_silence_nor_reports_it_as_ok(
        pilot_plan, standby_reports, lag_alarm, pages):
    data = outputs(pilot_plan, "data")
    reporting = {data["primary_cluster_id"]: None, data["secondary_cluster_id"]: standby_reports}
    states = {a["region"]: lag_state(a, reporting[a["inputs"]["dimensions"]["DBClusterIdentifier"]])
              for a in alarms(pilot_plan, "AWS/RDS", "AuroraGlobalDBReplicationLag")}
    assert states == {REGIONS["primary"]: "OK", REGIONS["secondary"]: lag_alarm}
    # The "some member reports lag" check: the writer's signal is always in ALARM (it reports
    # none); the headless standby's silence keeps Route 53's last status instead of failing.
    silent = {s["inputs"]["name"]: s for s in signals(pilot_plan)}
    calculated = one(calculated_checks(pilot_plan))
    urns = {r["urn"]: r for r in resources(pilot_plan, LAYER, HEALTH_CHECK)}
    healthy = 0
    for child in (urns[u] for u in calculated["depends_on"]):
        signal = silent[child["inputs"]["cloudwatchAlarmName"]]
        state = lag_state(signal, reporting[signal["inputs"]["dimensions"]["DBClusterIdentifier"]])
        healthy += route53_status(child, state)
    replicating = one([a for a in alarms(pilot_plan, "AWS/Route53") if calculated["urn"] in a["depends_on"]])
    not_replicating = lag_state(replicating, 1 if healthy >= 1 else 0) == "ALARM"
    assert not_replicating is False
    assert (lag_alarm == "ALARM") is pages


def test_a_hot_standby_keeps_silence_as_a_failure_of_the_replication_check(dev_plan):
    # Only the pilot light's standby is treated as unknown: a hot standby's members all run.
    assert {a["inputs"]["treatMissingData"]
            for a in alarms(dev_plan, "AWS/RDS", "AuroraGlobalDBReplicationLag")} == {"notBreaching"}
    assert {s["inputs"]["treatMissingData"] for s in signals(dev_plan)} == {"breaching"}
