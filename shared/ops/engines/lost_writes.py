"""Nothing lost without saying so: the writes an unplanned failover left behind.

When the old primary region recovers, Aurora tries to snapshot the old primary's storage volume
at the point of failure before rebuilding it as a secondary; the snapshot is named
`rds:unplanned-global-failover-<old primary cluster>-<timestamp>` and lives in that region (AWS
Aurora user guide, "Recovering an Amazon Aurora global database from an unplanned outage"). It
is an automated (system) snapshot, so it expires with the old cluster's backup retention period.

The unplanned failover records itself in the surviving region (a parameter under
`/dr/<env>/regional/`, never replicated), and failback refuses to go on until that snapshot is
copied to a manual snapshot or explicitly acknowledged. A failback that finds no record (a run
killed before its record step, an execution nobody followed) still looks for the snapshot of
the cluster it makes the writer again (`unrecorded`), and refuses the same way when it exists.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import Refused

SNAPSHOT_PREFIX = "rds:unplanned-global-failover-"
ACK_NONE = "none"  # --ack-snapshot none: Aurora kept no snapshot and the loss is accepted


@dataclass(frozen=True)
class UnplannedRecord:
    old_cluster_id: str
    old_region: str
    new_region: str
    at: str

    @property
    def snapshot_prefix(self) -> str:
        return f"{SNAPSHOT_PREFIX}{self.old_cluster_id}-"

    def notice(self, retention_days: int | None) -> str:
        keeps = (f"{retention_days} days (the cluster's backup retention)" if retention_days
                 else "the old cluster's backup retention")
        return (f"writes not replicated before this failover stay on {self.old_cluster_id}'s volume: "
                f"when {self.old_region} recovers, Aurora tries to snapshot it as "
                f"{self.snapshot_prefix}<timestamp> in {self.old_region}, a system snapshot kept only "
                f"{keeps} after it is taken; copy it "
                "to a manual snapshot (aws rds copy-db-cluster-snapshot) before invoke failback, which "
                "refuses until it is copied or acknowledged with --ack-snapshot ID")


def unrecorded(old_cluster_id: str, old_region: str, new_region: str) -> UnplannedRecord:
    """What failback looks for when no record was left: that cluster's snapshot, if Aurora took one."""
    return UnplannedRecord(old_cluster_id, old_region, new_region, at="")


def write_record(clients: AwsClients, name: str, record: UnplannedRecord) -> None:
    clients.ssm(record.new_region).put_parameter(
        Name=name, Value=json.dumps(asdict(record), sort_keys=True), Type="String", Overwrite=True)


def read_record(clients: AwsClients, name: str, region: str) -> UnplannedRecord | None:
    try:
        value = clients.ssm(region).get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    return UnplannedRecord(**json.loads(value))


def delete_record(clients: AwsClients, name: str, region: str) -> None:
    try:
        clients.ssm(region).delete_parameter(Name=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
            raise


@dataclass(frozen=True)
class KeptSnapshot:
    snapshot_id: str
    arn: str
    created: datetime | None
    copies: tuple[str, ...]  # manual snapshots copied from it

    def expires(self, retention_days: int) -> datetime | None:
        return None if self.created is None else self.created + timedelta(days=retention_days)


def kept_snapshot(clients: AwsClients, record: UnplannedRecord) -> KeptSnapshot | None:
    """The newest `rds:unplanned-global-failover-*` snapshot of the old primary, with its copies.

    No AWS page says under which SnapshotType Aurora lists that snapshot, so none is asked for:
    "If you don't specify a SnapshotType value, then both automated and manual DB cluster
    snapshots are returned" (RDS API reference, DescribeDBClusterSnapshots); it is found by its
    name, whatever its type, and its copies by their SourceDBClusterSnapshotArn."""
    pages = clients.rds(record.old_region).get_paginator("describe_db_cluster_snapshots").paginate(
        DBClusterIdentifier=record.old_cluster_id)
    found: list[dict[str, Any]] = [s for page in pages for s in page.get("DBClusterSnapshots", [])]
    kept = [s for s in found
            if str(s.get("DBClusterSnapshotIdentifier", "")).startswith(record.snapshot_prefix)]
    if not kept:
        return None
    newest = max(kept, key=lambda s: s.get("SnapshotCreateTime") or datetime.min)
    arn = str(newest.get("DBClusterSnapshotArn", ""))
    copies = tuple(str(s["DBClusterSnapshotIdentifier"]) for s in found
                   if arn and s.get("SourceDBClusterSnapshotArn") == arn)
    return KeptSnapshot(str(newest["DBClusterSnapshotIdentifier"]), arn,
                        newest.get("SnapshotCreateTime"), copies)


def require_kept(record: UnplannedRecord, snapshot: KeptSnapshot | None, ack: str | None,
                 retention_days: int) -> str:
    """What makes it safe to fail back; Refused (with the way out) while nothing does."""
    if snapshot is None:
        if ack == ACK_NONE:
            return (f"no {record.snapshot_prefix}* snapshot exists; the loss is acknowledged "
                    "(--ack-snapshot none)")
        raise Refused(f"the unplanned failover of {record.at} left no {record.snapshot_prefix}* snapshot in "
                      f"{record.old_region} yet (Aurora takes it when the region recovers, if it can); wait "
                      "for it and copy it, or rerun with --ack-snapshot none to accept that the unreplicated "
                      "writes are lost")
    if snapshot.copies:
        return f"{snapshot.snapshot_id} is copied as {', '.join(snapshot.copies)}"
    if ack == snapshot.snapshot_id:
        return f"{snapshot.snapshot_id} acknowledged (--ack-snapshot)"
    expires = snapshot.expires(retention_days)
    when = f"; it expires about {expires:%Y-%m-%d %H:%M} UTC" if expires else ""
    failover = (f"the unplanned failover of {record.at}" if record.at
                else "an unplanned failover nobody recorded")
    raise Refused(f"{snapshot.snapshot_id} in {record.old_region} holds the writes {failover} "
                  f"did not replicate{when} ({retention_days} days of backup retention); copy it "
                  f"(aws rds copy-db-cluster-snapshot --region {record.old_region} "
                  f"--source-db-cluster-snapshot-identifier {snapshot.snapshot_id} "
                  f"--target-db-cluster-snapshot-identifier <name>) or rerun with --ack-snapshot "
                  f"{snapshot.snapshot_id}")
