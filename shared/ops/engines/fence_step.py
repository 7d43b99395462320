"""The fence step of a move (shared.ops.engines.steps.Moves): the authority record stops every
writer (it names no active region, moving to the target) before the database moves, and the
source's writers are waited out: its replica must hold the record, then their staleness bound
(handlers/authority.py) passes. In an unplanned move any error from the source, a grey region
whose entry answers while its APIs fail or hang included, means "unreachable": the step goes on
and the report says what is left to do there.

The region-specific `writes-enabled` flags are still set (closed in the source, open in the
target) for tools that read them; no function decides anything from them any more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.ops.aws.authority import (
    RegionRecord,
    Superseded,
    activate,
    begin_move,
    newest,
    read_in,
    try_read,
)
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, one_line
from shared.ops.aws.fence import FENCED, OPEN, by_hand, fence_value, set_fence
from shared.ops.aws.topology import DrTopology, RegionTopology
from shared.ops.aws.waiting import Timeouts
from shared.ops.engines.move import UNPLANNED, FailoverRequest

Check = Callable[[], tuple[bool, str]]


class FenceStep:
    """Mixed into Moves (shared.ops.engines.steps), whose fields these are."""

    topology: DrTopology
    clients: AwsClients
    request: FailoverRequest
    timeouts: Timeouts
    echo: Callable[[str], None]
    sleep: Callable[[float], None]
    drain_seconds: float
    fence_note: str
    _fence_failed: bool

    @property
    def target(self) -> RegionTopology:
        return self.topology.role(self.request.target)

    @property
    def source(self) -> RegionTopology:
        return self.topology.other(self.request.target)

    @property
    def unplanned(self) -> bool:
        return self.request.mode == UNPLANNED

    @property
    def source_reachable(self) -> bool:
        raise NotImplementedError  # Moves knows what the preflight saw

    def fence_parts(self) -> tuple[str, Check, Callable[[], None]]:
        """The fence step's title, check and action (Moves.fence wraps them in a Step)."""
        name = self.topology.writes_enabled_parameter_name

        def fences_source() -> bool:
            return self.source_reachable and not self._fence_failed

        def check() -> tuple[bool, str]:
            record = read_in(self.clients, self.topology, self.target.region)
            stopped = record.active_region == self.target.region or (
                not record.active_region and record.moving_to == self.target.region)
            # The region-specific flags: kept in step for tools that read them, not the authority.
            seen = {self.target.region: fence_value(self.clients, self.target.region, name)}
            if fences_source():
                seen[self.source.region] = self._source_read(lambda: fence_value(
                    self.clients, self.source.region, name, quick=self.unplanned), FENCED)
            ok = (stopped and seen[self.target.region] == OPEN
                  and seen.get(self.source.region, FENCED) == FENCED)
            return ok, f"authority {record.describe()}; " + ", ".join(f"{r}={v}" for r, v in seen.items())

        def act() -> None:
            seen = [RegionRecord(self.target.region, read_in(
                self.clients, self.topology, self.target.region))]
            if fences_source():
                seen.append(self._source_record())
            planned = fences_source() and not self.unplanned
            if planned:
                # A planned move checks it can fence the source before it stops every writer: an
                # error here fails the step with nothing written, instead of leaving a record
                # that names nobody and a source nobody fenced.
                set_fence(self.clients, self.source.region, name, FENCED)
            record = begin_move(self.clients, self.topology, self.target.region, seen,
                                f"{self.request.operation} ({self.request.mode})")
            fenced_now = planned
            if fences_source() and self.unplanned:
                try:
                    set_fence(self.clients, self.source.region, name, FENCED, quick=True)
                    fenced_now = True
                except AWS_ERRORS as error:
                    self._lose_source(f"cannot fence {self.source.region}: {one_line(error)}")
            set_fence(self.clients, self.target.region, name, OPEN)
            if fenced_now:
                self._drain(record, seen)
            elif self._fence_failed:
                self.fence_note = self._no_wait("its APIs failed")

        where = (f"authority: nobody writes until {self.target.region} does; {self.target.region}={OPEN}"
                 + (f", {self.source.region}={FENCED}" if fences_source()
                    else f" ({self.source.region} unreachable: not fenced)"))
        if not fences_source():
            self.fence_note = self._no_wait("it is unreachable")
        return f"{name}: {where}", check, act

    def _source_read(self, read: Callable[[], str | None], otherwise: str) -> str | None:
        """A read in the source: unplanned, any error there means unreachable, never a failed step."""
        try:
            return read()
        except AWS_ERRORS as error:
            if not self.unplanned:
                raise
            self._lose_source(f"{self.source.region} answers HTTP but not its APIs: {one_line(error)}")
            return otherwise

    def _source_record(self) -> RegionRecord:
        if not self.unplanned:
            return RegionRecord(self.source.region, read_in(
                self.clients, self.topology, self.source.region))
        found = try_read(self.clients, self.topology, self.source.region, quick=True)
        if found.record is None:
            self._lose_source(f"cannot read the authority record in {self.source.region}: {found.error}")
        return found

    def _lose_source(self, why: str) -> None:
        # Best effort when leaving a lost region: the report says what is left to do there.
        if not self._fence_failed:
            self.echo(f"    {why}; going on without it")
        self._fence_failed = True

    def _no_wait(self, why: str) -> str:
        return (f"no wait for the {self.drain_seconds:g} s drain bound: {self.source.region} was not "
                f"confirmed stopped ({why}); it stops by itself once its replica of the table holds "
                "the new authority record")

    def _drain(self, record: Any, seen: list[RegionRecord]) -> None:
        """Wait until the source's replica holds the record, then for its readers' staleness bound:
        only then has every writer there stopped (docs/architecture/authority.md)."""
        waited = 0.0
        while True:
            found = try_read(self.clients, self.topology, self.source.region, quick=True)
            if found.record is not None and found.record.generation >= record.generation:
                break
            if waited >= self.timeouts.parameter:
                if not self.unplanned:
                    undone = self._roll_back(record, seen)
                    raise OpsError(f"{self.source.region}'s replica of {self.topology.table_name} did not "
                                   f"receive authority generation {record.generation} within "
                                   f"{self.timeouts.parameter:g} s ({found.describe()}); {undone}; check "
                                   "DynamoDB replication there, or rerun unplanned if that region is lost")
                self._lose_source(f"{self.source.region}'s replica does not show the new record yet")
                self.fence_note = self._no_wait("its replica lags")
                return
            self.sleep(1.0)
            waited += 1.0
        seconds = self.drain_seconds
        self.fence_note = (f"waited {seconds:g} s after {self.source.region}'s replica held authority "
                           f"generation {record.generation}: its writers' staleness bound")
        self.echo(f"    waiting {seconds:g} s: {self.source.region}'s functions may act on their last good "
                  "read of the authority record that long")
        self.sleep(seconds)

    def _roll_back(self, record: Any, seen: list[RegionRecord]) -> str:
        """A planned move that cannot stop the source gives it its writes back, so a failed
        switchover never leaves nobody writing. The source never saw the record that stopped it,
        so it never stopped: the next generation names it again, written there first."""
        before = newest(*seen)
        source = self.source.region
        if before is None or before.active_region != source or record.generation <= before.generation:
            return "the record was left as it is (`invoke unfence` clears a stuck move)"
        try:
            back = activate(self.clients, self.topology, source, [RegionRecord(source, record)],
                            f"{self.request.operation} rolled back")
            set_fence(self.clients, source, self.topology.writes_enabled_parameter_name, OPEN)
        except (*AWS_ERRORS, Superseded) as error:
            return (f"rolling the record back to {source} failed ({one_line(error)}): nobody writes "
                    "until `invoke unfence` clears it")
        return f"rolled back: {back.describe()}"

    def unfenced_source(self) -> str | None:
        """What is left to do by hand when the source could not be confirmed stopped."""
        if self.source_reachable and not self._fence_failed:
            return None
        name = self.topology.writes_enabled_parameter_name
        return (f"when {self.source.region} answers again, confirm with `invoke status` that it reports "
                "standby (it learns the new authority generation from its replica of the table by "
                "itself), and set its compatibility flag: rerun this command, or "
                f"{by_hand(self.source.region, name, FENCED)}")
