"""Production safety: in a protected environment (dr:protectData) nothing that holds data can be
deleted by one careless `pulumi destroy`; in any environment, a destroy must not fail halfway."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shared.policy.encryption import BUCKETS, CLUSTER, GLOBAL_CLUSTER, TABLE, TABLE_REPLICA
from shared.policy.engine import Context, Record, Rule, inputs, is_known, truthy

VAULT = "aws:backup/vault:Vault"
DATA_STORES = frozenset({*BUCKETS, TABLE, TABLE_REPLICA, CLUSTER, GLOBAL_CLUSTER, VAULT})
_DELETION_FLAG = {CLUSTER: "deletionProtection", GLOBAL_CLUSTER: "deletionProtection",
                  TABLE: "deletionProtectionEnabled", TABLE_REPLICA: "deletionProtectionEnabled"}
# The final snapshot is a cluster snapshot, so its identifier follows CreateDBClusterSnapshot:
# 1-63 letters, digits or hyphens, a letter first, no trailing hyphen, no two hyphens in a row.
_SNAPSHOT_ID = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|-(?!-)){0,62}(?<!-)$")


def deletion_protection(record: Record, context: Context) -> Iterator[str]:
    flag = _DELETION_FLAG[str(record["type"])]
    if context.protect_data and not truthy(inputs(record).get(flag)):
        yield f"{flag} is off in protected environment {context.environment}"


def retained(record: Record, context: Context) -> Iterator[str]:
    if context.protect_data and not (record.get("retain_on_delete") or record.get("protect")):
        yield (f"neither retainOnDelete nor protect is set in protected environment "
               f"{context.environment}: a destroy would delete the data")


def final_snapshot(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    skip = truthy(values.get("skipFinalSnapshot"))
    identifier = values.get("finalSnapshotIdentifier")
    # A global database's secondary holds a copy of the writer's data, and the writer takes the
    # final snapshot; the secondary (no credentials of its own) may skip it.
    secondary = is_known(values.get("globalClusterIdentifier")) and not values.get("masterUsername")
    if context.protect_data and skip and not secondary:
        yield f"skipFinalSnapshot is true in protected environment {context.environment}"
    if not skip and not is_known(identifier):
        # pulumi-aws refuses to delete such a cluster: the destroy stops halfway.
        yield "no finalSnapshotIdentifier while skipFinalSnapshot is false: destroy would fail"
    if is_known(identifier) and not _SNAPSHOT_ID.match(str(identifier)):
        yield f"finalSnapshotIdentifier {identifier!r} breaks RDS's snapshot naming rule"


RULES = [
    Rule("deletion-protection", "Protected environments turn on deletion protection for Aurora "
         "and DynamoDB", "safety", "high", ("RDS.7", "DynamoDB.6"), frozenset(_DELETION_FLAG),
         check=deletion_protection),
    Rule("data-retained", "Protected environments retain data stores when a stack is destroyed",
         "safety", "high", (), DATA_STORES, check=retained,
         offline_only="CrossGuard passes `protect` but not `retainOnDelete` to policies; "
         "`invoke check` reads both from the plan"),
    Rule("final-snapshot", "Aurora clusters take a final snapshot in protected environments and "
         "can always be destroyed", "safety", "high", (), frozenset({CLUSTER}),
         check=final_snapshot),
]
