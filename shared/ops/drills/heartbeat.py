"""RPO measured, not inferred: during a drill a heartbeat (sequence number, time, run) is written
every second to the DynamoDB global table and to Aurora in the writer region; after the promotion
the new writer is asked for the last heartbeat it has. The beats it lacks are the data the move
lost: 0 for a planned switchover, or the measurement says why not.

A beat is written like an application write: only while the writer region's write fence is
open (the API refuses writes behind it), so a fenced region's skipped beats are reported as
fenced, never as loss. DynamoDB gets one item per phase, overwritten each beat, under a key no
application item uses; Aurora gets a row per beat in its own small table, through the RDS Data
API (HTTPS with IAM and the master secret: no connection into the VPC), which the data layer
enables on both clusters; a secondary cluster answers it only once promoted.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.naming import arn_in_region
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, one_line
from shared.ops.aws.fence import OPEN, fence_value
from shared.ops.aws.topology import DrTopology

DYNAMODB, AURORA = "dynamodb", "aurora"
STORES = (DYNAMODB, AURORA)
AURORA_TABLE = "dr_drill_heartbeat"
CREATE_TABLE = (f"CREATE TABLE IF NOT EXISTS {AURORA_TABLE} (run_id text NOT NULL, seq bigint NOT NULL, "
                "written_at double precision NOT NULL, PRIMARY KEY (run_id, seq))")
INSERT_BEAT = f"INSERT INTO {AURORA_TABLE} (run_id, seq, written_at) VALUES (:run, :seq, :at)"
LAST_BEAT = f"SELECT seq, written_at FROM {AURORA_TABLE} WHERE run_id = :run ORDER BY seq DESC LIMIT 1"


def beat_key(run: str) -> dict[str, dict[str, str]]:
    """The global table item of one drill phase; no application item starts with `drill#`."""
    return {"pk": {"S": f"drill#heartbeat#{run}"}}


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


@dataclass
class Writes:
    """What the heartbeat did to one store in one phase."""

    store: str
    region: str
    written: int = 0
    last_seq: int | None = None
    last_at: float | None = None  # epoch seconds of the last beat the store acknowledged
    fenced: int = 0
    first_fenced_at: float | None = None
    failed: int = 0
    first_error: str | None = None
    unavailable: str | None = None  # why no beat was even tried (setup failed, nothing to write to)

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "region": self.region, "written": self.written,
                "last_seq": self.last_seq, "last_written_at": _iso(self.last_at),
                "fenced": self.fenced, "first_fenced_at": _iso(self.first_fenced_at),
                "failed": self.failed, "first_error": self.first_error, "unavailable": self.unavailable}


@dataclass(frozen=True)
class Rpo:
    """The measured data loss of one store across one move."""

    store: str
    written_region: str
    read_region: str
    last_written_seq: int | None
    last_read_seq: int | None
    gap_beats: int | None  # None: not measured (see explanation)
    gap_seconds: float | None  # from the last beat the new writer has to the last one written
    waited_seconds: float  # how long the read-back waited for replication to catch up
    explanation: str
    writes: Writes = field(repr=False, default_factory=lambda: Writes("", ""))

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "written_region": self.written_region, "read_region": self.read_region,
                "last_written_seq": self.last_written_seq, "last_read_seq": self.last_read_seq,
                "gap_beats": self.gap_beats,
                "gap_seconds": None if self.gap_seconds is None else round(self.gap_seconds, 3),
                "waited_seconds": round(self.waited_seconds, 3), "explanation": self.explanation,
                "writes": self.writes.to_json()}


@dataclass
class _Phase:
    run: str
    writer_role: str
    region: str
    cluster_arn: str
    seq: int = 0
    writes: dict[str, Writes] = field(default_factory=dict)


class Heartbeat:
    """Writes a beat every `interval` seconds on a background thread once started, to the
    writer of the phase `begin` opened; `measure` closes the phase and reads it back."""

    def __init__(self, topology: DrTopology, clients: AwsClients, run_id: str, *, interval: float = 1.0,
                 now: Callable[[], float] = time.time, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.topology, self.clients, self.run_id, self.interval = topology, clients, run_id, interval
        # `now` stamps the beats (wall time, compared across machines); `clock` and `sleep` time
        # the read-back's wait for replication.
        self._now, self._clock, self._sleep = now, clock, sleep
        self._phase: _Phase | None = None
        self._lock = threading.Lock()  # one beat at a time; phases change between beats
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the writer ---
    def start(self) -> Heartbeat:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True, name="drill-heartbeat")
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.interval + 35.0)  # one beat's AWS calls at most (read timeout 30 s)
            self._thread = None

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def begin(self, phase: str, writer_role: str) -> None:
        """Beats from now on go to `writer_role`'s region (table) and cluster (Aurora)."""
        side = self.topology.role(writer_role)
        opened = _Phase(f"{self.run_id}#{phase}", writer_role, side.region, side.cluster_arn,
                        writes={store: Writes(store, side.region) for store in STORES})
        opened.writes[AURORA].unavailable = self._prepare_aurora(side.region, side.cluster_arn)
        with self._lock:
            self._phase = opened
        # The phase's first beat now, not at the thread's next tick: a move that follows at once
        # still leaves a beat to look for in the new writer.
        self.beat()

    def beat(self) -> None:
        """One beat to every store of the open phase; errors are recorded, never raised."""
        with self._lock:
            phase = self._phase
            if phase is None:
                return
            phase.seq += 1
            seq, at = phase.seq, self._now()
            open_ = self._fence_open(phase.region)
            for store, writes in phase.writes.items():
                if writes.unavailable:
                    continue
                if not open_:
                    writes.fenced += 1
                    writes.first_fenced_at = writes.first_fenced_at or at
                    continue
                try:
                    self._write(store, phase, seq, at)
                except AWS_ERRORS as error:
                    writes.failed += 1
                    writes.first_error = writes.first_error or f"{_iso(at)}: {one_line(error)}"
                    continue
                writes.written, writes.last_seq, writes.last_at = writes.written + 1, seq, at

    def _loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            # The thread must live on; beat() records AWS errors itself, anything else is dropped.
            with contextlib.suppress(Exception):
                self.beat()
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def _fence_open(self, region: str) -> bool:
        """As the API decides (fail closed): only "true" lets writes in."""
        try:
            return fence_value(self.clients, region, self.topology.writes_enabled_parameter_name) == OPEN
        except AWS_ERRORS:
            return False

    def _write(self, store: str, phase: _Phase, seq: int, at: float) -> None:
        if store == DYNAMODB:
            self.clients.dynamodb(phase.region).put_item(TableName=self.topology.table_name, Item={
                **beat_key(phase.run), "seq": {"N": str(seq)}, "written_at": {"N": repr(at)},
                "run": {"S": phase.run}})
        else:
            self._sql(phase.region, phase.cluster_arn, INSERT_BEAT, run=phase.run, seq=seq, at=at)

    # --- Aurora through the Data API ---
    def _sql(self, region: str, cluster_arn: str, sql: str, **values: str | int | float) -> Any:
        def typed(value: str | int | float) -> dict[str, Any]:
            if isinstance(value, str):
                return {"stringValue": value}
            return {"longValue": value} if isinstance(value, int) else {"doubleValue": value}

        return self.clients.client("rds-data", region).execute_statement(
            resourceArn=cluster_arn, secretArn=arn_in_region(self.topology.db_secret_arn, region),
            database=self.topology.db_name, sql=sql,
            parameters=[{"name": name, "value": typed(value)} for name, value in values.items()])

    def _prepare_aurora(self, region: str, cluster_arn: str) -> str | None:
        """None when the writer takes heartbeats, else why not (the beats then skip Aurora)."""
        if not (self.topology.db_secret_arn and self.topology.db_name):
            return "the data layer's outputs name no db_secret_arn/db_name for the Data API"
        try:
            self._sql(region, cluster_arn, CREATE_TABLE)
        except AWS_ERRORS as error:
            cluster = cluster_arn.rsplit(":", 1)[-1]
            return f"Data API on {cluster} refused the heartbeat table: {one_line(error)}"
        return None

    # --- the read-back ---
    def measure(self, new_writer_role: str, *, settle: float = 15.0, poll: float = 1.0) -> list[Rpo]:
        """Close the phase and ask `new_writer_role`'s region for the last beat it has, waiting up
        to `settle` seconds for replication (DynamoDB's is asynchronous) to bring the last one."""
        with self._lock:
            phase, self._phase = self._phase, None
        if phase is None:
            return []
        side = self.topology.role(new_writer_role)
        return [self._read_back(phase, writes, side.region, side.cluster_arn, settle, poll)
                for writes in phase.writes.values()]

    def _read_back(self, phase: _Phase, writes: Writes, region: str, cluster_arn: str,
                   settle: float, poll: float) -> Rpo:
        def result(read: int | None, gap: int | None, seconds: float | None, waited: float, why: str) -> Rpo:
            return Rpo(writes.store, writes.region, region, writes.last_seq, read, gap, seconds, waited,
                       why, writes)

        if writes.unavailable:
            return result(None, None, None, 0.0, f"not measured: {writes.unavailable}")
        if writes.last_seq is None:
            why = (f"all {writes.fenced} beats fell behind the write fence of {writes.region}"
                   if writes.fenced else
                   f"no beat was written ({writes.first_error or 'the phase ended first'})")
            return result(None, None, None, 0.0, f"not measured: {why}")
        started, error = self._clock(), None
        read: tuple[int, float] | None = None
        while True:
            try:
                read, error = self._last_beat(writes.store, phase.run, region, cluster_arn), None
            except AWS_ERRORS as failure:
                error = one_line(failure)
            waited = self._clock() - started
            # Aurora's promoted writer holds all it will ever hold; only an error is worth a retry
            # (the Data API answers a secondary once its writer is up). DynamoDB may still replicate.
            caught_up = read is not None and read[0] >= writes.last_seq
            settled = error is None and (writes.store == AURORA or caught_up)
            if settled or waited >= settle:
                break
            self._sleep(poll)
        if error and read is None:
            return result(None, None, None, waited,
                          f"not measured: reading {writes.store} in {region} failed: {error}")
        seq, at = read or (0, None)
        gap = writes.last_seq - seq
        seconds = None if at is None or writes.last_at is None else max(0.0, writes.last_at - at)
        if gap <= 0:
            why = f"{region} has the last beat written (seq {writes.last_seq}, {_iso(writes.last_at)})"
        elif read is None:
            why = f"{region} has none of the {writes.last_seq} beats written to {writes.region}"
        else:
            why = (f"{region} lacks the last {gap} beats (seq {seq + 1}..{writes.last_seq}, "
                   f"{_iso(at)} to {_iso(writes.last_at)}) after waiting {waited:.1f} s")
        return result(seq if read else None, max(gap, 0), seconds if gap > 0 else 0.0, waited, why)

    def _last_beat(self, store: str, run: str, region: str, cluster_arn: str) -> tuple[int, float] | None:
        if store == DYNAMODB:
            item = self.clients.dynamodb(region).get_item(
                TableName=self.topology.table_name, Key=beat_key(run), ConsistentRead=True).get("Item")
            return (int(item["seq"]["N"]), float(item["written_at"]["N"])) if item else None
        records = self._sql(region, cluster_arn, LAST_BEAT, run=run).get("records") or []
        if not records:
            return None
        seq, at = records[0]
        return int(seq["longValue"]), float(at["doubleValue"])
