"""Nothing lost without saying so: failback after an unplanned failover waits until the snapshot
Aurora keeps of the unreplicated writes (`rds:unplanned-global-failover-*`) is copied or
acknowledged, and says when it expires."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.ops.aws.errors import Refused
from shared.ops.engines.lost_writes import UnplannedRecord, write_record
from shared.ops.engines.move import FailoverRequest
from tests.ops.conftest import PRIMARY, SECONDARY, Aws
from tests.ops.test_failover import FAILBACK, queue_dials_back_and_verify, queue_failback_preflight

KEPT = "rds:unplanned-global-failover-dr-aurora-dev-use1-2026-12-02-05-00"


def after_an_unplanned_failover(aws: Aws) -> None:
    aws.active_region(SECONDARY)
    write_record(aws.clients, aws.topology.unplanned_record_parameter_name,
                 UnplannedRecord("dr-aurora-dev-use1", PRIMARY, SECONDARY, "2026-12-02T05:00:00+00:00"))


def kept(**extra: Any) -> dict[str, Any]:
    return {"DBClusterSnapshotIdentifier": KEPT, "SnapshotType": "automated",
            "DBClusterSnapshotArn": f"arn:aws:rds:{PRIMARY}:123456789012:cluster-snapshot:{KEPT}",
            "SnapshotCreateTime": datetime(2026, 12, 2, 5, 0, tzinfo=UTC), **extra}


def test_failback_refuses_while_the_snapshot_of_the_lost_writes_is_not_copied(aws, engine):
    after_an_unplanned_failover(aws)
    queue_failback_preflight(aws, read_lag=False, snapshots=(kept(),))  # refused before the lag matters

    with pytest.raises(Refused, match=rf"{KEPT} in us-east-1 holds the writes the unplanned failover of "
                                      r"2026-12-02T05:00:00\+00:00 did not replicate; it expires about "
                                      r"2026-12-09 05:00 UTC \(7 days of backup retention\); copy it .*"
                                      rf"or rerun with --ack-snapshot {KEPT}"):
        engine.run(FAILBACK)
    aws.verify_all_used()
    assert aws.active_region_in(PRIMARY) == SECONDARY


def test_failback_goes_on_once_a_manual_copy_exists_and_settles_the_record(aws, engine, printed):
    after_an_unplanned_failover(aws)
    aws.fences("false")
    queue_failback_preflight(aws, snapshots=(kept(), {"DBClusterSnapshotIdentifier": "lost-writes-copy",
                                      "SnapshotType": "manual",
                                      "SourceDBClusterSnapshotArn": kept()["DBClusterSnapshotArn"]},))
    aws.cluster(PRIMARY, writer="secondary")
    aws.switchover(PRIMARY, target="primary")
    aws.cluster(PRIMARY, writer="primary")
    queue_dials_back_and_verify(aws)

    engine.run(FAILBACK)

    aws.verify_all_used()
    assert any(f"unreplicated writes: {KEPT} is copied as lost-writes-copy" in line for line in printed)
    names = [p["Name"] for p in aws.clients.ssm(SECONDARY).describe_parameters()["Parameters"]]
    assert aws.topology.unplanned_record_parameter_name not in names
    assert (aws.fence_in(PRIMARY), aws.fence_in(SECONDARY)) == ("true", "true")  # un-fenced at the end


@pytest.mark.parametrize(("snapshots", "ack", "refusal"), [
    ([kept()], KEPT, None),
    ([], None, r"left no rds:unplanned-global-failover-dr-aurora-dev-use1-\* snapshot in us-east-1 yet .*"
               r"--ack-snapshot none"),
    ([], "none", None),
    ([kept()], "some-other-snapshot", rf"rerun with --ack-snapshot {KEPT}"),
])
def test_an_acknowledgement_must_name_what_aurora_kept(aws, engine, snapshots, ack, refusal):
    after_an_unplanned_failover(aws)
    # Lagging: a run the gate lets through stops right after it, at the lag.
    queue_failback_preflight(aws, lag_ms=120_000, read_lag=refusal is None, snapshots=tuple(snapshots))
    request = FailoverRequest(**{**FAILBACK.__dict__, "ack_snapshot": ack})

    # Past the gate, the next refusal is the primary's lag: proof the snapshot check let it through.
    with pytest.raises(Refused, match=refusal or "has not caught up"):
        engine.run(request)
    aws.verify_all_used()


def test_failback_with_no_record_still_finds_the_snapshot_aurora_kept_and_refuses(aws, engine):
    aws.active_region(SECONDARY)  # an unplanned failover whose run never wrote its record
    queue_failback_preflight(aws, read_lag=False, snapshots=(kept(),))

    with pytest.raises(Refused, match=rf"{KEPT} in us-east-1 holds the writes an unplanned failover nobody "
                                      rf"recorded did not replicate; .*--ack-snapshot {KEPT}"):
        engine.run(FAILBACK)
    aws.verify_all_used()


def test_the_snapshot_is_found_by_its_name_whatever_type_rds_lists_it_under(aws, engine):
    after_an_unplanned_failover(aws)
    # Not confirmed "automated" by AWS: found whatever type it is listed under.
    queue_failback_preflight(aws, read_lag=False, snapshots=(kept(SnapshotType="manual"),))

    with pytest.raises(Refused, match=rf"{KEPT} in us-east-1 holds the writes"):
        engine.run(FAILBACK)
    aws.verify_all_used()
