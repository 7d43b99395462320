"""Failover and failback: the order of the steps, what each call asks of AWS, refusals,
idempotency and resuming after a failure. Unconsumed or unexpected AWS calls fail the test."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.ops.aws import authority
from shared.ops.aws.errors import OpsError, Refused, StepFailed
from shared.ops.aws.waiting import Timeouts
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest
from tests.handlers.conftest import handler_module
from tests.ops.conftest import PRIMARY, SECONDARY, Aws

FAILBACK = FailoverRequest("primary", PLANNED, operation="failback", require_caught_up=True,
                           restore_deployed_dials=True, check_lost_writes=True)


def queue_preflight(aws: Aws, writer: str = "primary", lag_ms: float | None = 800,
                    healthy: bool = True, planned: bool = True) -> None:
    """Towards the secondary. Unplanned reads nothing in us-east-1 and nothing from Route 53."""
    aws.cluster(SECONDARY, writer=writer)
    aws.db_cluster("secondary")
    if planned:
        aws.db_cluster("primary")
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


def queue_promotion(aws: Aws, verb: str = "switchover") -> None:
    aws.cluster(SECONDARY, writer="primary")  # the database step's first look
    getattr(aws, verb)(SECONDARY, target="secondary")
    aws.cluster(SECONDARY, writer="secondary")


def queue_failback_preflight(aws: Aws, lag_ms: float | None = 500, writer: str = "secondary",
                             read_lag: bool = True, objects_pending: float | None = 0,
                             snapshots: tuple[dict[str, Any], ...] | None = ()) -> None:
    """`read_lag` False: refused before the lag (or the objects) are read. `snapshots`: what the
    lost-writes check finds of the primary's cluster (none by default: Aurora kept nothing; None:
    a move that does not check, as a drill's failback)."""
    aws.cluster(PRIMARY, writer=writer)
    aws.db_cluster("primary")
    aws.db_cluster("secondary")
    aws.health("primary")
    aws.group("primary", 0)
    if snapshots is not None:
        aws.snapshots("primary", *snapshots)
    if writer == "secondary" and read_lag:
        aws.lag("primary", lag_ms)
    if read_lag and (writer == "primary" or lag_ms is not None and lag_ms <= 60_000):
        aws.objects("primary", pending=objects_pending)


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


def test_planned_failover_fences_then_switches_the_database_then_traffic_and_the_parameter(
        aws, engine, printed):
    queue_preflight(aws)
    aws.cluster(SECONDARY, writer="primary")
    aws.switchover(SECONDARY, target="secondary")
    aws.cluster(SECONDARY, writer="secondary", status="switching-over",
                failover={"Status": "switching-over", "ToDbClusterArn": aws.side("secondary").cluster_arn})
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()
    assert [s.name for s in result.steps] == ["preflight", "fence", "database", "traffic", "parameter",
                                              "verify"]
    assert [s.outcome for s in result.steps[1:5]] == ["done"] * 4
    assert aws.active_region_in(PRIMARY) == aws.active_region_in(SECONDARY) == SECONDARY
    assert (aws.fence_in(PRIMARY), aws.fence_in(SECONDARY)) == ("false", "true")
    # traffic and parameter ran side by side: the phase costs its slower step, not their sum.
    traffic, parameter = result.steps[3], result.steps[4]
    assert traffic.phase == parameter.phase
    others = sum(s.seconds for s in result.steps if s.phase != traffic.phase)
    assert result.recovery_seconds == round(others + max(traffic.seconds, parameter.seconds), 1) > 0
    assert any("waiting for" in line and "switching-over" in line for line in printed)
    summary = printed[-1].splitlines()
    assert summary[0] == (f"failover dev: {PRIMARY} -> {SECONDARY} (planned); identifiers from "
                          f"{aws.topology.source}")
    assert [line.split()[0] for line in summary[2:8]] == [s.name for s in result.steps]
    assert "traffic" in summary[8] and " | parameter" in summary[8]
    assert json.loads(json.dumps(result.to_json()))["target_region"] == SECONDARY
    assert aws.clients.ssm(SECONDARY).describe_parameters()["Parameters"] == [
        p for p in aws.clients.ssm(SECONDARY).describe_parameters()["Parameters"]
        if p["Name"] != aws.topology.lock_parameter_name]  # the lock is released


def test_unplanned_failover_needs_only_the_target_region_and_says_what_it_left(aws, engine):
    aws.entries.set("primary", "down")
    queue_preflight(aws, planned=False)
    queue_promotion(aws, "failover")  # AllowDataLoss=True, asked of us-east-2
    queue_traffic_move(aws)
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", UNPLANNED))

    aws.verify_all_used()
    assert result.mode == UNPLANNED
    assert aws.active_region_in(SECONDARY) == SECONDARY
    assert aws.active_region_in(PRIMARY) == PRIMARY  # the lost region is not written to
    assert (aws.fence_in(PRIMARY), aws.fence_in(SECONDARY)) == ("true", "true")
    assert result.by_hand[0].startswith(f"when {PRIMARY} answers again, confirm with `invoke status` "
                                        "that it reports standby")
    assert "rds:unplanned-global-failover-dr-aurora-dev-use1-<timestamp>" in result.lost_writes
    assert "7 days" in result.lost_writes
    record = json.loads(aws.clients.ssm(SECONDARY).get_parameter(
        Name=aws.topology.unplanned_record_parameter_name)["Parameter"]["Value"])
    assert (record["old_cluster_id"], record["old_region"]) == ("dr-aurora-dev-use1", PRIMARY)
    assert not any(service == "route53" for service, _ in aws.clients._clients)


def test_an_unhealthy_target_is_refused_before_anything_moves(aws, engine):
    aws.entries.set("secondary", "failing")
    queue_preflight(aws, healthy=False)

    with pytest.raises(Refused, match=r"secondary region us-east-2 is unhealthy: entry point "
                                      r"http://\S+/health: HTTP 503; .*--force"):
        engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()  # no switchover, no dial, no parameter call was queued or made
    assert aws.active_region_in(SECONDARY) == PRIMARY
    assert aws.fence_in(PRIMARY) == "true"


def test_unplanned_against_a_healthy_writer_is_refused_with_the_lag_it_would_lose(aws, engine):
    queue_preflight(aws, planned=False, lag_ms=800)

    with pytest.raises(Refused, match=r"the writer's region us-east-1 answers and is healthy .*would lose "
                                      r"the writes not yet replicated \(AuroraGlobalDBRPOLag 0.8 s .*read in "
                                      r"us-east-2\); use a planned failover .* or rerun with --force"):
        engine.run(FailoverRequest("secondary", UNPLANNED))
    aws.verify_all_used()
    assert aws.active_region_in(SECONDARY) == PRIMARY


def test_unplanned_with_force_fences_the_answering_writer_first(aws, engine):
    queue_preflight(aws, planned=False)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", UNPLANNED, force=True))

    assert (aws.fence_in(PRIMARY), aws.fence_in(SECONDARY)) == ("false", "true")
    assert not result.by_hand


def test_an_unplanned_failover_does_not_wait_on_a_stuck_switchover(aws, engine, printed):
    aws.entries.set("primary", "down")
    stuck = {"Status": "switching-over", "IsDataLossAllowed": False,
             "FromDbClusterArn": aws.side("primary").cluster_arn,
             "ToDbClusterArn": aws.side("secondary").cluster_arn}
    aws.cluster(SECONDARY, writer="primary", status="switching-over", failover=stuck)
    aws.db_cluster("secondary")
    aws.group("secondary", 0)
    aws.lag("secondary", 1500)
    aws.cluster(SECONDARY, writer="primary", status="switching-over", failover=stuck)
    aws.failover(SECONDARY, target="secondary")  # instead of waiting on the switchover
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)

    engine.run(FailoverRequest("secondary", UNPLANNED))

    aws.verify_all_used()
    assert any("a switchover towards it is switching-over: failing over allowing data loss" in line
               for line in printed)


def test_a_planned_switchover_gives_up_on_a_busy_global_cluster_after_a_bounded_wait(aws, engine, clock):
    aws.cluster(SECONDARY, writer="primary", status="modifying")
    aws.db_cluster("secondary")
    aws.db_cluster("primary")
    aws.health("secondary")
    aws.group("secondary", 0)
    aws.lag("secondary", 800)
    for _ in range(70):
        aws.cluster(SECONDARY, writer="primary", status="modifying")
    started = clock.now

    with pytest.raises(Refused, match=r"a planned switchover cannot start: global cluster dr-aurora-dev to "
                                      r"be available: not done after 300 s .*re-run with --unplanned"):
        engine.run(FailoverRequest("secondary", PLANNED))
    assert 300 <= clock.now - started < 400
    assert aws.fence_in(PRIMARY) == "true"


@pytest.mark.parametrize(("source", "message"), [
    ({"version": "15.8"}, r"the same engine version in both clusters \(dr-aurora-dev-use2 16.4, "
                          r"dr-aurora-dev-use1 15.8\); upgrade the older one first \(a managed failover, "
                          r"--unplanned, needs the same versions too"),
    (None, r"needs both regions, but us-east-1 does not answer .*re-run with --unplanned"),
])
def test_a_planned_switchover_needs_both_clusters_answering_on_one_engine_version(aws, engine, source,
                                                                                 message):
    aws.cluster(SECONDARY, writer="primary")
    aws.db_cluster("secondary")
    if source is None:
        aws.fail("rds", PRIMARY, "describe_db_clusters", "InternalFailure")
    else:
        aws.db_cluster("primary", **source)
    aws.health("secondary")
    aws.group("secondary", 0)
    aws.lag("secondary", 800)

    with pytest.raises(Refused, match=message):
        engine.run(FailoverRequest("secondary", PLANNED))
    aws.verify_all_used()


def test_a_second_run_finds_everything_done_and_changes_nothing(aws, engine, printed):
    aws.record_authority(SECONDARY, 2)
    aws.active_region(SECONDARY)
    aws.clients.ssm(PRIMARY).put_parameter(Name=aws.topology.writes_enabled_parameter_name,
                                           Value="false", Type="String", Overwrite=True)
    queue_preflight(aws, writer="secondary")
    aws.cluster(SECONDARY, writer="secondary")
    aws.group("secondary", 100)
    aws.group("primary", 0)
    aws.accelerator("DEPLOYED")
    queue_verify(aws)

    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()  # a switchover or dial update would have been an unexpected call
    assert [s.outcome for s in result.steps[1:5]] == ["already done"] * 4


def test_a_failed_step_is_saved_and_the_rerun_resumes_there(aws, engine, printed):
    queue_preflight(aws, writer="secondary")
    aws.cluster(SECONDARY, writer="secondary")  # database already switched
    aws.group("secondary", 0)
    aws.group("primary", 100)
    aws.fail("globalaccelerator", "us-west-2", "update_endpoint_group")

    with pytest.raises(StepFailed, match=r"step traffic failed: .*rerun the same command to resume"):
        engine.run(FailoverRequest("secondary", PLANNED))

    printed.clear()
    queue_preflight(aws, writer="secondary")
    aws.cluster(SECONDARY, writer="secondary")
    queue_traffic_move(aws)
    queue_verify(aws)
    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()
    assert any("it stopped at step traffic" in line and "read back from AWS first" in line
               for line in printed)
    assert any("database: already done" in line for line in printed)
    assert result.resumed_from == "traffic"
    assert aws.active_region_in(PRIMARY) == SECONDARY


def test_a_rerun_follows_aws_when_the_writer_moved_since_the_recorded_step(aws, engine, printed):
    """The file says the database step is done; meanwhile the writer went back: AWS wins."""
    queue_preflight(aws)
    queue_promotion(aws)
    aws.group("secondary", 0)
    aws.group("primary", 100)
    aws.fail("globalaccelerator", "us-west-2", "update_endpoint_group")
    with pytest.raises(StepFailed):
        engine.run(FailoverRequest("secondary", PLANNED))

    printed.clear()
    queue_preflight(aws, writer="primary")  # someone switched back in between
    queue_promotion(aws)  # so the switchover is asked again, not skipped on the file's word
    queue_traffic_move(aws)
    queue_verify(aws)
    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()
    assert any("database: recorded as done in the earlier run, but AWS now shows writer dr-aurora-dev-use1"
               in line and "doing it again" in line for line in printed)
    assert result.steps[2].outcome == "done"


def test_another_operators_move_holds_the_lock_until_broken_and_force_does_not_break_it(aws, engine, printed):
    held = json.dumps({"run_id": "someone-else", "holder": "alice@laptop", "operation": "failback",
                       "started_at": "2026-12-02T04:00:00+00:00"})
    aws.clients.ssm(SECONDARY).put_parameter(Name=aws.topology.lock_parameter_name, Value=held,
                                             Type="String")
    aws.entries.set("primary", "down")
    queue_preflight(aws, planned=False)

    with pytest.raises(Refused, match=r"another DR operation holds the lock .* in us-east-2: alice@laptop "
                                      r"\(failback, since 2026-12-02T04:00:00\+00:00\); .*--break-lock"):
        engine.run(FailoverRequest("secondary", UNPLANNED))
    assert aws.active_region_in(SECONDARY) == PRIMARY
    queue_preflight(aws, planned=False)
    with pytest.raises(Refused, match=r"holds the lock"):  # --force skips checks, not the lock
        engine.run(FailoverRequest("secondary", UNPLANNED, force=True))

    queue_preflight(aws, planned=False)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)
    engine.run(FailoverRequest("secondary", UNPLANNED, break_lock=True))

    aws.verify_all_used()
    assert any("breaking the lock" in line and "alice@laptop" in line for line in printed)
    names = [p["Name"] for p in aws.clients.ssm(SECONDARY).describe_parameters()["Parameters"]]
    assert aws.topology.lock_parameter_name not in names  # released at the end


def test_a_lost_global_accelerator_api_leaves_the_dials_to_do_by_hand(aws, engine):
    aws.entries.set("primary", "down")
    aws.cluster(SECONDARY, writer="primary")
    aws.db_cluster("secondary")
    aws.fail("globalaccelerator", "us-west-2", "describe_endpoint_group", "InternalServiceErrorException")
    aws.lag("secondary", 900)
    queue_promotion(aws, "failover")
    aws.fail("globalaccelerator", "us-west-2", "describe_endpoint_group", "InternalServiceErrorException")
    aws.cluster(SECONDARY, writer="secondary")
    aws.fail("globalaccelerator", "us-west-2", "describe_endpoint_group", "InternalServiceErrorException")

    result = engine.run(FailoverRequest("secondary", UNPLANNED))

    aws.verify_all_used()
    assert aws.active_region_in(SECONDARY) == SECONDARY
    assert {s.name: s.outcome for s in result.steps}["traffic"] == "by hand"
    dials = next(item for item in result.by_hand if item.startswith("set the traffic dials"))
    assert "--traffic-dial-percentage 100" in dials and "sends no traffic to endpoints" in dials


def test_failback_waits_for_the_primary_to_catch_up(aws, engine):
    aws.active_region(SECONDARY)
    queue_failback_preflight(aws, lag_ms=120_000)  # two minutes behind; the limit is 60 s

    with pytest.raises(Refused, match=r"has not caught up: lag 120.0 s \(limit 60 s\)"):
        engine.run(FAILBACK)
    aws.verify_all_used()


def test_failback_restores_the_deployed_dials_and_opens_both_regions(aws, engine):
    aws.active_region(SECONDARY)
    aws.fences("false")
    queue_failback_preflight(aws, writer="primary")  # the database already went back
    aws.cluster(PRIMARY, writer="primary")
    queue_dials_back_and_verify(aws)

    result = engine.run(FAILBACK)
    aws.verify_all_used()
    assert result.target_region == PRIMARY
    assert aws.active_region_in(PRIMARY) == aws.active_region_in(SECONDARY) == PRIMARY
    assert (aws.fence_in(PRIMARY), aws.fence_in(SECONDARY)) == ("true", "true")


def test_an_unknown_mode_is_refused_with_the_choices(aws, engine):
    with pytest.raises(OpsError, match="unknown mode 'sideways'; use planned or unplanned"):
        engine.run(FailoverRequest("secondary", "sideways"))


def test_a_switchover_that_does_not_finish_says_to_rerun_unplanned(aws, engine):
    engine.timeouts = Timeouts(database=20)
    queue_preflight(aws)
    aws.cluster(SECONDARY, writer="primary")
    aws.switchover(SECONDARY, target="secondary")
    stuck = {"Status": "switching-over", "IsDataLossAllowed": False,
             "ToDbClusterArn": aws.side("secondary").cluster_arn}
    for _ in range(6):  # polled every 5 s for the 20 s the step may take
        aws.cluster(SECONDARY, writer="primary", status="switching-over", failover=stuck)

    with pytest.raises(StepFailed, match=r"step database failed: .*not done after 20 s .*"
                                         r"re-run with --unplanned to fail over allowing data loss"):
        engine.run(FailoverRequest("secondary", PLANNED))
    assert aws.active_region_in(SECONDARY) == PRIMARY


def test_a_failback_is_excluded_by_a_failover_holding_the_lock_in_the_other_region(aws, engine):
    """A planned move locks both regions: the conflicting move towards the other one is refused,
    and the lock it had already taken in its own target is given back."""
    held = json.dumps({"run_id": "unplanned-run", "holder": "bob@laptop", "operation": "failover",
                       "started_at": "2026-12-02T04:00:00+00:00"})
    aws.clients.ssm(SECONDARY).put_parameter(Name=aws.topology.lock_parameter_name, Value=held,
                                             Type="String")
    aws.active_region(SECONDARY)
    queue_failback_preflight(aws)

    with pytest.raises(Refused, match=r"holds the lock .* in us-east-2: bob@laptop"):
        engine.run(FAILBACK)

    names = [p["Name"] for p in aws.clients.ssm(PRIMARY).describe_parameters()["Parameters"]]
    assert aws.topology.lock_parameter_name not in names
    assert aws.active_region_in(PRIMARY) == SECONDARY


def record_timeline(aws: Aws, engine, clock) -> list[tuple[str, float]]:
    """The fence writes, the engine's sleeps and the Aurora promotion, each at the fake clock's time."""
    seen: list[tuple[str, float]] = []
    fence = aws.topology.writes_enabled_parameter_name

    def fence_write(region: str):
        def record(params, **_) -> None:
            if params["Name"] == fence:
                seen.append((f"fence {region}={params['Value']}", clock.now))
        return record

    for region in (PRIMARY, SECONDARY):
        aws.clients.ssm(region).meta.events.register("before-parameter-build.ssm.PutParameter",
                                                     fence_write(region))
    for operation in ("SwitchoverGlobalCluster", "FailoverGlobalCluster"):
        aws.stub("rds", SECONDARY).client.meta.events.register(
            f"before-parameter-build.rds.{operation}",
            lambda operation=operation, **_: seen.append((operation, clock.now)))
    sleep = engine.waiter.sleep

    def recorded_sleep(seconds: float) -> None:
        seen.append((f"sleep {seconds:g}", clock.now))
        sleep(seconds)

    engine.waiter.sleep = recorded_sleep
    return seen


def test_a_fenced_source_is_given_its_writers_staleness_bound_before_the_writer_moves(aws, engine, clock):
    cache = authority.DRAIN_SECONDS  # how long a reader may act on its last good authority record
    assert cache == handler_module("authority").STALE_SECONDS
    queue_preflight(aws)
    queue_promotion(aws, "switchover")
    queue_traffic_move(aws)
    queue_verify(aws)
    seen = record_timeline(aws, engine, clock)

    result = engine.run(FailoverRequest("secondary", PLANNED))

    aws.verify_all_used()
    names = [name for name, _ in seen]
    upto = names.index("SwitchoverGlobalCluster") + 1
    assert names[:upto] == [f"fence {PRIMARY}=false", f"fence {SECONDARY}=true", f"sleep {cache:g}",
                            "SwitchoverGlobalCluster"]
    assert seen[upto - 1][1] - seen[0][1] >= cache
    assert result.notes == [f"waited {cache:g} s after {PRIMARY}'s replica held authority generation 1: "
                            "its writers' staleness bound"]
    for region in (PRIMARY, SECONDARY):  # moving (1), then the secondary (2), replicated to both
        assert (aws.authority_in(region).generation, aws.authority_in(region).active_region) == (2, SECONDARY)
    assert result.to_json()["notes"] == result.notes
    assert result.to_json()["topology_source"] == aws.topology.source


def test_an_unreachable_source_is_not_waited_for(aws, engine, clock):
    aws.entries.set("primary", "down")
    queue_preflight(aws, planned=False)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)
    seen = record_timeline(aws, engine, clock)

    result = engine.run(FailoverRequest("secondary", UNPLANNED))

    aws.verify_all_used()
    names = [name for name, _ in seen]
    before_promotion = names[:names.index("FailoverGlobalCluster")]
    assert not [name for name in before_promotion if name.startswith(("sleep", f"fence {PRIMARY}"))]
    assert result.notes == [f"no wait for the {authority.DRAIN_SECONDS:g} s drain bound: {PRIMARY} was not "
                            "confirmed stopped (it is unreachable); it stops by itself once its replica "
                            "of the table holds the new authority record"]
    assert f"note: {result.notes[0]}" in result.render().splitlines()
