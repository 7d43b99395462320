"""invoke status: one screen saying which region serves and whether the standby is ready,
with every read independent so a region that is down still leaves the rest visible."""

from __future__ import annotations

import dataclasses
import json

from shared.ops.aws.status import collect_status
from tests.ops.conftest import PRIMARY, SECONDARY, Aws


def queue_region_reads(aws: Aws, role: str, dial: float, healthy: bool = True,
                       lag_ms: float | None = None) -> None:
    aws.group(role, dial, "HEALTHY" if healthy else "UNHEALTHY")
    aws.health(role, healthy)
    if lag_ms is not None:
        aws.lag(role, lag_ms)


def test_a_healthy_pair_shows_the_serving_region_and_a_ready_standby(aws, stores):
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    queue_region_reads(aws, "secondary", 0, lag_ms=900)

    status = collect_status(aws.topology, aws.clients, prober=aws.entries)

    aws.verify_all_used()
    assert (status.active_region, status.writer_region, status.serving_regions) == (
        PRIMARY, PRIMARY, [PRIMARY])
    assert status.standby_region == SECONDARY and status.standby_ready, status.standby_problems
    secondary = status.region("secondary")
    assert (secondary.database_role, secondary.replication_lag_seconds) == ("reader", 0.9)
    assert secondary.table_status == "ACTIVE" and secondary.bucket_replication == []
    assert status.region("primary").bucket_replication[0]["time_control"] is True
    screen = status.render()
    assert f"active region:   {PRIMARY}" in screen and f"standby {SECONDARY}: READY" in screen
    assert json.loads(json.dumps(status.to_json(), default=str))["standby_ready"] is True


def test_a_lost_secondary_is_not_ready_and_the_rest_still_shows(aws, stores):
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    aws.fail("globalaccelerator", "us-west-2", "describe_endpoint_group", "InternalServiceErrorException")
    aws.health("secondary", healthy=False)
    aws.lag("secondary", 240_000)
    aws.entries.set("secondary", "down")

    status = collect_status(aws.topology, aws.clients, prober=aws.entries)

    aws.verify_all_used()
    assert status.active_region == PRIMARY
    assert not status.standby_ready
    problems = "; ".join(status.standby_problems)
    assert "0/8 checkers report success" in problems and "Aurora lags 240.0 s" in problems
    assert "entry point http://dr-nlb-dev-use2" in problems and "/health: no answer" in problems
    # Global Accelerator's API (us-west-2) unreadable informs, it does not make the standby unready.
    assert "Global Accelerator" not in problems
    assert any("Global Accelerator endpoint group" in e for e in status.region("secondary").errors)
    screen = status.render()
    assert "NOT READY" in screen and "error:" in screen


def test_the_newest_authority_record_says_who_writes_and_a_lagging_replica_is_shown(aws, stores):
    """The parameters may say anything (a returning region keeps its old one): the record decides."""
    aws.active_region(PRIMARY, PRIMARY)
    aws.replication.lagging.add(PRIMARY)  # the returning region's replica has not caught up yet
    aws.record_authority(SECONDARY, 2)
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    queue_region_reads(aws, "secondary", 0, lag_ms=900)

    status = collect_status(aws.topology, aws.clients, prober=aws.entries)

    assert status.active_region == SECONDARY
    assert (f"active region:   {SECONDARY} (authority record: {PRIMARY}: generation 0, {PRIMARY} writes, "
            f"{SECONDARY}: generation 2, {SECONDARY} writes; a replica is behind or unreadable)"
            ) in status.render()


def test_the_json_format_carries_what_the_screen_shows(aws, stores):
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    queue_region_reads(aws, "secondary", 0, lag_ms=900)

    status = collect_status(aws.topology, aws.clients, prober=aws.entries)
    data = json.loads(status.formatted("json"))

    assert status.formatted("text") == status.render()
    assert (data["active_region"], data["writer_region"], data["serving_regions"]) == (
        PRIMARY, PRIMARY, [PRIMARY])
    assert data["parameter_name"] == aws.topology.active_region_parameter_name
    by_role = {r["role"]: r for r in data["regions"]}
    assert by_role["primary"]["traffic_dial"] == 100 and by_role["secondary"]["traffic_dial"] == 0
    assert by_role["secondary"]["replication_lag_seconds"] == 0.9
    assert by_role["secondary"]["health_check"] == {
        "id": aws.topology.secondary.health_check_id, "healthy": True,
        "detail": "8/8 checkers report success"}
    assert by_role["primary"]["bucket_replication"][0]["destination"] == aws.topology.secondary.bucket_name


def test_both_formats_say_where_the_identifiers_came_from(aws, stores):
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    queue_region_reads(aws, "secondary", 0, lag_ms=900)
    mirrored = dataclasses.replace(aws.topology, source=f"the contract mirror in {SECONDARY}")

    status = collect_status(mirrored, aws.clients, prober=aws.entries)

    assert status.formatted("text").splitlines()[0] == (
        f"DR status of dev (identifiers from the contract mirror in {SECONDARY})")
    assert json.loads(status.formatted("json"))["topology_source"] == f"the contract mirror in {SECONDARY}"


def test_a_drill_flag_left_set_shows_in_its_region(aws, stores):
    """After a drill killed with -9, the screen says which region's health the flag still impairs."""
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    queue_region_reads(aws, "secondary", 0, lag_ms=900)
    aws.clients.ssm(PRIMARY).put_parameter(Name=aws.topology.drill_flag_parameter_name, Value="true",
                                           Type="String")

    status = collect_status(aws.topology, aws.clients, prober=aws.entries)

    assert (status.region("primary").drill_impaired, status.region("secondary").drill_impaired) == (
        "true", "not set")
    row = next(line for line in status.render().splitlines() if line.startswith("outage drill impairing"))
    assert row.split()[3:] == ["YES", "(health", "answers", "503)", "not", "set"]
    assert status.to_json()["regions"][0]["drill_impaired"] == "true"


def test_a_pilot_light_standby_says_a_failover_brings_it_up_first(aws, stores):
    aws.topology = dataclasses.replace(aws.topology, strategy="pilot-light")
    aws.cluster(PRIMARY, writer="primary")
    queue_region_reads(aws, "primary", 100)
    queue_region_reads(aws, "secondary", 0, lag_ms=900)

    status = collect_status(aws.topology, aws.clients, prober=aws.entries)

    assert status.to_json()["strategy"] == "pilot-light"
    assert (f"standby {SECONDARY}: READY\n  DR strategy pilot-light: a failover brings it up first"
            in status.render())
