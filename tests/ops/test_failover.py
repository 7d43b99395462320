"""Failover and failback: the order of the steps, what each call asks of AWS, refusals,
idempotency and resuming after a failure. Unconsumed or unexpected AWS calls fail the test."""

from __future__ import annotations

import json

import pytest

from shared.ops.clients import ROUTE53_API_REGION
from shared.ops.errors import OpsError, Refused, StepFailed
from shared.ops.failover import PLANNED, UNPLANNED, FailoverRequest
from tests.ops.conftest import PRIMARY, SECONDARY, Aws


def queue_preflight(aws: Aws, writer: str = "primary", lag_ms: float | None = 800,
                    healthy: bool = True) -> None:
    aws.cluster(SECONDARY, writer=writer)
    aws.health("secondary", healthy)
    aws.group("secondary", 0, "HEALTHY" if healthy else "UNHEALTHY")
    if writer == "primary":
        aws.lag("secondary", lag_ms)


def queue_traffic_move(aws: Aws) -> None:
    aws.group("secondary", 0)
    aws.group("primary", 100)
    aws.set_dial("secondary", 100)  # raised before the source is lowered
    aws.set_dial("primary", 0)
    aws.group("secondary", 100)
    aws.group("primary", 0)
    aws.accelerator("DEPLOYED")


def queue_verify(aws: Aws, rds_region: str = SECONDARY) -> None:
    aws.cluster(rds_region, writer="secondary")
    aws.group("secondary", 100)
    aws.group("primary", 0)
    aws.accelerator("DEPLOYED")
    aws.health("secondary")
    aws.group("secondary", 100)


def queue_dials_back_and_verify(aws: Aws) -> None:
    """Failback's traffic step and verification: dr:trafficMode active-passive deployed 100/0."""
    aws.group("primary", 0)
    aws.group("secondary", 100)
    aws.set_dial("primary", 100)
    aws.set_dial("secondary", 0)
    aws.group("primary", 100)
    aws.group("secondary", 0)
    aws.accelerator()
    aws.cluster(PRIMARY, writer="primary")
    aws.group("primary", 100)
    aws.group("secondary", 0)
    aws.accelerator()
    aws.health("primary")
    aws.group("primary", 100)


def test_planned_failover_switches_the_database_then_traffic_then_the_parameter(aws, engine, printed):
    queue_preflight(aws)
    aws.cluster(SECONDARY, writer="primary")  # the database step's first look
    aws.switchover(SECONDARY, target="secondary")
    aws.cluster(SECONDARY, writer="secondary", status="switching-over",
                failover={"Status": "switching-over", "ToDbClusterArn": aws.side("secondary").cluster_arn})
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()
    assert [s.name for s in result.steps] == ["preflight", "database", "traffic", "parameter", "verify"]
    assert [s.outcome for s in result.steps[1:4]] == ["done", "done", "done"]
    assert aws.active_region_in(PRIMARY) == aws.active_region_in(SECONDARY) == SECONDARY
    assert result.recovery_seconds == round(sum(s.seconds for s in result.steps), 1) > 0
    assert any("waiting for" in line and "switching-over" in line for line in printed)
    summary = printed[-1].splitlines()
    assert [line.split()[0] for line in summary[1:-1]] == [s.name for s in result.steps]
    assert summary[-1].startswith(f"recovery time: {result.recovery_seconds:.1f} s (preflight")
    assert json.loads(json.dumps(result.to_json()))["target_region"] == SECONDARY


def test_unplanned_failover_allows_data_loss_and_writes_only_the_surviving_region(aws, engine):
    queue_preflight(aws)
    aws.cluster(SECONDARY, writer="primary")
    aws.failover(SECONDARY, target="secondary")  # AllowDataLoss=True, asked of us-east-2
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", UNPLANNED))

    aws.verify_all_used()
    assert result.mode == UNPLANNED
    assert aws.active_region_in(SECONDARY) == SECONDARY
    assert aws.active_region_in(PRIMARY) == PRIMARY  # the lost region is not written to


def test_an_unhealthy_target_is_refused_before_anything_moves(aws, engine):
    aws.cluster(SECONDARY, writer="primary")
    aws.health("secondary", healthy=False)
    aws.group("secondary", 0, "UNHEALTHY")

    with pytest.raises(Refused, match=r"secondary region us-east-2 is unhealthy: .*--force"):
        engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()  # no switchover, no dial, no parameter call was queued or made
    assert aws.active_region_in(SECONDARY) == PRIMARY


def test_an_unplanned_failover_goes_on_when_only_route53s_api_is_lost(aws, engine, printed):
    """Route 53's API lives in us-east-1: losing the primary region must not block leaving it."""
    aws.cluster(SECONDARY, writer="primary")
    aws.fail("route53", ROUTE53_API_REGION, "get_health_check_status", "ServiceUnavailable")
    aws.group("secondary", 0)
    aws.lag("secondary", None)
    aws.cluster(SECONDARY, writer="primary")
    aws.failover(SECONDARY, target="secondary")
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    aws.cluster(SECONDARY, writer="secondary")
    aws.group("secondary", 100)
    aws.group("primary", 0)
    aws.accelerator("DEPLOYED")
    aws.fail("route53", ROUTE53_API_REGION, "get_health_check_status", "ServiceUnavailable")
    aws.group("secondary", 100)

    result = engine.run(FailoverRequest("secondary", UNPLANNED))

    aws.verify_all_used()
    assert any(line.startswith("warning: Route 53 health check") and "by Global Accelerator alone" in line
               for line in printed)
    assert result.verification[-1].startswith(f"{SECONDARY} health: healthy (Route 53 health check")


def test_a_target_nobody_can_vouch_for_is_refused(aws, engine):
    aws.cluster(SECONDARY, writer="primary")
    aws.fail("route53", ROUTE53_API_REGION, "get_health_check_status", "ServiceUnavailable")
    aws.fail("globalaccelerator", "us-west-2", "describe_endpoint_group", "InternalServiceErrorException")

    with pytest.raises(Refused, match=r"endpoint group unreadable: .*Route 53 health check .* unreadable"):
        engine.run(FailoverRequest("secondary", UNPLANNED))
    aws.verify_all_used()


def test_a_second_run_finds_everything_done_and_changes_nothing(aws, engine, printed):
    aws.active_region(SECONDARY)
    queue_preflight(aws, writer="secondary")
    aws.cluster(SECONDARY, writer="secondary")
    aws.group("secondary", 100)
    aws.group("primary", 0)
    aws.accelerator("DEPLOYED")
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()  # a switchover or dial update would have been an unexpected call
    assert [s.outcome for s in result.steps[1:4]] == ["already done"] * 3


def test_a_failed_step_is_saved_and_the_rerun_resumes_there(aws, engine, printed):
    queue_preflight(aws, writer="secondary")
    aws.cluster(SECONDARY, writer="secondary")  # database already switched
    aws.group("secondary", 0)
    aws.group("primary", 100)
    aws.fail("globalaccelerator", "us-west-2", "update_endpoint_group")

    with pytest.raises(StepFailed, match=r"step traffic failed: .*rerun the same command to resume"):
        engine.run(FailoverRequest("secondary", PLANNED))
    assert aws.active_region_in(SECONDARY) == PRIMARY

    printed.clear()
    queue_preflight(aws, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)
    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()
    assert "resuming from step traffic" in printed[1]
    assert any("database: already done in the earlier run" in line for line in printed)
    assert result.resumed_from == "traffic"
    assert aws.active_region_in(PRIMARY) == SECONDARY


def test_failback_waits_for_the_primary_to_catch_up(aws, engine):
    aws.active_region(SECONDARY)
    aws.cluster(PRIMARY, writer="secondary")
    aws.health("primary")
    aws.group("primary", 0)
    aws.lag("primary", 120_000)  # two minutes behind; the limit is 60 s

    with pytest.raises(Refused, match=r"has not caught up: lag 120.0 s \(limit 60 s\)"):
        engine.run(FailoverRequest("primary", PLANNED, operation="failback", require_caught_up=True,
                                   restore_deployed_dials=True))
    aws.verify_all_used()


def test_failback_restores_the_deployed_dials(aws, engine):
    aws.active_region(SECONDARY)
    aws.cluster(PRIMARY, writer="primary")  # the database already went back
    aws.health("primary")
    aws.group("primary", 0)
    aws.cluster(PRIMARY, writer="primary")
    queue_dials_back_and_verify(aws)

    result = engine.run(FailoverRequest("primary", PLANNED, operation="failback",
                                        require_caught_up=True, restore_deployed_dials=True))
    aws.verify_all_used()
    assert result.target_region == PRIMARY
    assert aws.active_region_in(PRIMARY) == aws.active_region_in(SECONDARY) == PRIMARY


def test_an_unknown_mode_is_refused_with_the_choices(aws, engine):
    with pytest.raises(OpsError, match="unknown mode 'sideways'; use planned or unplanned"):
        engine.run(FailoverRequest("secondary", "sideways"))
