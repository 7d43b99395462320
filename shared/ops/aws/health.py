"""Is a region fit to serve? Judged from what lives in that region alone.

Deciding: its own entry point answering `/health` over HTTP (shared.ops.aws.entry) and its own
Aurora cluster as its own RDS endpoint describes it. Informing only, never deciding and never
waited on past a short bound: Route 53's checker view (its API is served from us-east-1, the
region most likely lost) and Global Accelerator's endpoint health (its API is in us-west-2).
The reads run side by side (shared.ops.aws.parallel) so a dead dependency costs one timeout once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.entry import EntryAnswer, Prober
from shared.ops.aws.errors import one_line
from shared.ops.aws.parallel import Outcome
from shared.ops.aws.probes import ClusterState, cluster_state, endpoint_group, health_check, short_id
from shared.ops.aws.topology import RegionTopology


@dataclass(frozen=True)
class RegionHealth:
    role: str
    region: str
    entry: EntryAnswer | None
    cluster: ClusterState | None
    reasons: tuple[str, ...]  # why it is not fit to serve; empty when it is
    notes: tuple[str, ...] = ()  # informational reads: what they said, or that they were unreadable

    @property
    def healthy(self) -> bool:
        return not self.reasons

    @property
    def answers(self) -> bool:
        """Its entry point answered at all: the region is reachable, whatever it said."""
        return bool(self.entry and self.entry.answered)

    def describe(self) -> str:
        verdict = "healthy" if self.healthy else "NOT healthy: " + "; ".join(self.reasons)
        return verdict + "".join(f" ({note})" for note in self.notes)


@dataclass(frozen=True)
class Reads:
    """Which reads judge a region; which AWS endpoints that puts on the path is the point."""

    cluster: bool = True  # its own RDS endpoint: a call to that region
    route53: bool = False  # Route 53's API (us-east-1): informational only
    accelerator: bool = False  # Global Accelerator's API (us-west-2): informational only


def health_reads(clients: AwsClients, side: RegionTopology, prober: Prober, probe_timeout: float,
                 reads: Reads) -> dict[str, Callable[[], Any]]:
    """The independent reads that judge `side`, named `<role>:<read>`, for shared.ops.aws.parallel."""
    tasks: dict[str, Callable[[], Any]] = {
        f"{side.role}:entry": lambda: prober(side.health_url, probe_timeout)}
    if reads.cluster:
        tasks[f"{side.role}:cluster"] = lambda: cluster_state(clients, side.region, side.cluster_id)
    if reads.route53:
        tasks[f"{side.role}:route53"] = lambda: health_check(clients, side.health_check_id)
    if reads.accelerator:
        tasks[f"{side.role}:accelerator"] = lambda: endpoint_group(clients, side.endpoint_group_arn)
    return tasks


def judge(side: RegionTopology, outcomes: Mapping[str, Outcome[Any]]) -> RegionHealth:
    """The verdict on `side` from the outcomes of its `health_reads`."""
    reasons: list[str] = []
    notes: list[str] = []

    def got(read: str) -> Outcome[Any] | None:
        return outcomes.get(f"{side.role}:{read}")

    entry_outcome = got("entry")
    entry = entry_outcome.value if entry_outcome and entry_outcome.ok else None
    if entry is None:
        reasons.append(f"entry point {side.health_url} not probed")
    elif not entry.healthy:
        reasons.append(f"entry point {entry.describe()}")
    cluster: ClusterState | None = None
    read = got("cluster")
    if read is not None:
        if read.ok:
            cluster = read.value
            if cluster is not None and cluster.status != "available":
                reasons.append(f"cluster {side.cluster_id} is {cluster.status}")
        else:
            reasons.append(f"cluster {side.cluster_id} unreadable in {side.region}: {_text(read)}")
    read = got("route53")
    if read is not None:
        notes.append(f"Route 53 health check {side.health_check_id}: "
                     + (read.value.describe() if read.ok and read.value else f"unreadable: {_text(read)}"))
    read = got("accelerator")
    if read is not None:
        if read.ok and read.value is not None:
            states = ", ".join(f"{short_id(e.endpoint_id)} {e.state}" for e in read.value.endpoints)
            notes.append(f"Global Accelerator endpoints: {states or 'none'}")
        else:
            notes.append(f"Global Accelerator endpoint group unreadable: {_text(read)}")
    return RegionHealth(side.role, side.region, entry, cluster, tuple(reasons), tuple(notes))


def _text(outcome: Outcome[Any]) -> str:
    return one_line(outcome.error) if outcome.error else "no answer"
