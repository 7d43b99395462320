"""The worst day, end to end: us-east-1 unreachable for every boto3 client, no `pulumi` on PATH,
and the on-call engineer runs the invoke tasks themselves (through invoke's Program, as on the
command line) against moto and the Stubber. Each region's `/health` is served by a real HTTP
server on loopback (the lost region's port refuses connections).

The topology comes from where the on-call engineer would find it: the contract mirror the
layers deploy into SSM, here the plan's own mirror parameters written into moto's us-east-2, read
with a profile whose region is us-east-2 (the runbook's break-glass profile).

What they must show: the commands finish from the surviving region alone, within the timeouts
of an injected clock, with a report that is true, and no request went to the lost region. The
same with us-west-2 unreachable, where Global Accelerator's API lives.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from invoke import Collection, Program

import tasks
from shared.cli import ops as cli
from shared.contracts.mirror import contract_prefix
from shared.ops.aws.entry import EntryAnswer, http_probe
from shared.ops.aws.topology import DrTopology
from shared.ops.aws.waiting import Timeouts, Waiter
from shared.ops.engines.state import StateStore
from tests.ops.conftest import PRIMARY, SECONDARY, Aws, FakeClock
from tests.ops.loopback import answering, closed_port_url
from tests.ops.test_failover import queue_promotion, queue_traffic_move, queue_verify
from tests.outage import RegionOutage
from tests.support import plan_of


@pytest.fixture
def surviving_entry() -> Iterator[str]:
    with answering(lambda path: 200 if path == "/health" else 404) as base:
        yield f"{base}/health"


def mirror_into(aws: Aws, region: str) -> int:
    """Write the offline plan's contract mirror parameters of `region`, as a deploy does."""
    written = 0
    for layer in plan_of("dev").to_json()["layers"]:
        for resource in layer["resources"]:
            inputs = resource["inputs"]
            if (resource["type"] == "aws:ssm/parameter:Parameter" and resource["region"] == region
                    and str(inputs.get("name", "")).startswith(contract_prefix("dev"))):
                aws.clients.ssm(region).put_parameter(Name=inputs["name"], Value=inputs["insecureValue"],
                                                      Type=inputs["type"], Overwrite=True)
                written += 1
    return written


@pytest.fixture
def on_call(outage: RegionOutage, aws: Aws, no_pulumi: None, surviving_entry: str, tmp_path: Any,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Aws, FakeClock, DrTopology]]:
    """The tasks wired to the emulated account, loopback entry points and a fake clock."""
    assert shutil.which("pulumi") is None
    monkeypatch.setenv("AWS_DEFAULT_REGION", SECONDARY)  # the break-glass profile's region
    assert mirror_into(aws, SECONDARY) > 0
    if aws.replication:  # a region that is down receives no replication until it returns
        aws.replication.paused = outage.down
    # The mirror names the NLBs' DNS names; the prober reaches them on loopback instead.
    loopback = {aws.topology.primary.health_url: closed_port_url(),
                aws.topology.secondary.health_url: surviving_entry}

    def prober(url: str, timeout: float) -> EntryAnswer:
        return replace(http_probe(loopback[url], timeout), url=url)

    clock = FakeClock()
    monkeypatch.setattr(cli, "RUNTIME", cli.Runtime(
        clients=lambda: aws.clients,
        engine={"store": StateStore(tmp_path / "runs"), "prober": prober, "timeouts": Timeouts(probe=1),
                "waiter": Waiter(clock=clock, sleep=clock.sleep, echo=lambda line: None, interval=5)},
        status={"prober": prober, "probe_timeout": 1}))
    yield aws, clock, aws.topology


def run_invoke(*argv: str) -> int:
    try:
        Program(namespace=Collection.from_module(tasks)).run(["invoke", *argv])
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def queue_unplanned_preflight(aws: Aws) -> None:
    aws.cluster(SECONDARY, writer="primary")
    aws.db_cluster("secondary")
    aws.group("secondary", 0)
    aws.lag("secondary", 700)


def test_unplanned_failover_with_us_east_1_gone_and_no_pulumi(on_call, outage, capsys):
    aws, clock, topology = on_call
    outage.take_down(PRIMARY)
    queue_unplanned_preflight(aws)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)
    started = clock.now

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--unplanned", "--yes")

    out = capsys.readouterr().out
    assert code == 0, out
    aws.verify_all_used()
    # Nothing on the unplanned path tried us-east-1 but its contract mirror, read side by side with
    # the survivor's (one short try, refused at once here).
    assert [call.operation for call in outage.refused_in(PRIMARY)] == ["GetParametersByPath"]
    assert f"identifiers from the contract mirror in {SECONDARY}" in out.splitlines()[0]
    # The closing report names its source too, and no wait for a fence it could not write.
    assert (f"failover dev: {PRIMARY} -> {SECONDARY} (unplanned); identifiers from the contract mirror "
            f"in {SECONDARY}") in out.splitlines()
    assert (f"note: no wait for the 30 s drain bound: {PRIMARY} was not confirmed stopped "
            "(it is unreachable)") in out
    assert clock.now - started < Timeouts().database  # finished within the bounds, by the fake clock
    # The report is true: what it claims is what the surviving region now holds.
    assert aws.active_region_in(SECONDARY) == SECONDARY and aws.fence_in(SECONDARY) == "true"
    assert "verified: Aurora writer: writer dr-aurora-dev-use2, global cluster available" in out
    assert (f"verified: active-region parameter: authority generation 2: {SECONDARY} writes; "
            f"{SECONDARY}={SECONDARY}") in out
    assert f"verified: {SECONDARY} entry point: {topology.secondary.health_url}: HTTP 200" in out
    assert f"left to do by hand: when {PRIMARY} answers again, confirm with `invoke status`" in out
    assert "unreplicated writes: " in out and "rds:unplanned-global-failover-dr-aurora-dev-use1-" in out
    assert cli.RUNTIME.engine["store"].load("dev").completed


def test_unplanned_failover_with_global_accelerators_api_gone_too(on_call, outage, capsys):
    aws, clock, _ = on_call
    outage.take_down(PRIMARY, "us-west-2")
    aws.cluster(SECONDARY, writer="primary")
    aws.db_cluster("secondary")
    aws.lag("secondary", 700)
    queue_promotion(aws, "failover")
    aws.cluster(SECONDARY, writer="secondary")

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--unplanned", "--yes")

    out = capsys.readouterr().out
    assert code == 0, out
    aws.verify_all_used()
    assert [call.operation for call in outage.refused_in(PRIMARY)] == ["GetParametersByPath"]  # the mirror
    assert {call.operation for call in outage.refused_in("us-west-2")} == {"DescribeEndpointGroup"}
    # The database promotion and the active-region flag completed; the dials are left by hand.
    assert aws.active_region_in(SECONDARY) == SECONDARY
    assert "traffic    by hand" in out
    assert "left to do by hand: set the traffic dials when Global Accelerator's API (us-west-2)" in out
    assert "verified: traffic dials: NOT confirmed (unreadable: Could not connect" in out


def test_unplanned_without_yes_asks_and_shows_the_lag_it_would_lose(on_call, outage, capsys):
    aws, _, _ = on_call
    outage.take_down(PRIMARY)
    queue_unplanned_preflight(aws)

    code = run_invoke("failover", "--env", "dev", "--to", "secondary", "--unplanned")

    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == ("error: Failover dev to us-east-2 (unplanned, losing the writes not yet replicated "
                   "(AuroraGlobalDBRPOLag 0.7 s (max 0.7 s over 10 min), read in us-east-2)): "
                   "confirmation needed; rerun with --yes")
    assert aws.active_region_in(SECONDARY) == PRIMARY  # nothing moved


def test_status_with_us_east_1_gone_shows_the_surviving_region(on_call, stores, outage, capsys):
    aws, _, _ = on_call
    outage.take_down(PRIMARY)
    aws.cluster(SECONDARY, writer="primary")  # us-east-1's RDS is refused, us-east-2 answers
    aws.group("primary", 100, "UNHEALTHY")
    aws.group("secondary", 0)
    aws.lag("secondary", 700)

    code = run_invoke("status", "--env", "dev")

    out = capsys.readouterr().out
    assert code == 0, out
    aws.verify_all_used()
    assert out.startswith(f"DR status of dev (identifiers from the contract mirror in {SECONDARY})")
    assert "database writer: us-east-1" in out  # what us-east-2 reports: the failover is still to do
    assert f"{PRIMARY} does not answer" not in out
    entry_row = next(line for line in out.splitlines() if line.startswith("entry point /health"))
    assert "UNHEALTHY (no answer" in entry_row and "healthy (HTTP 200)" in entry_row
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    # Every error is the lost region's, or Route 53's API (served from us-east-1): informational.
    assert errors and all(PRIMARY in line or "Route 53" in line for line in errors)
    assert "DynamoDB replica" in out and "ACTIVE" in out  # the surviving region's own reads
    refused = {(call.service, call.operation) for call in outage.refused_in(PRIMARY)}
    # Informational: us-east-1's own reads and Route 53's API (served from us-east-1), nothing else.
    assert {service for service, _ in refused} <= {"ssm", "rds", "dynamodb", "s3", "route53"}
