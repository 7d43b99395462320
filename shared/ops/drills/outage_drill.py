"""`invoke drill --kind outage`: an unplanned drill, for environments without dr:protectData.

It impairs the primary at the application level only: the drill flag (shared.ops.drills.drill_flag)
makes the primary's health answer 503, so Global Accelerator's and Route 53's checks see the
region fail while its API, database and table go on as before. With the prober (shared.ops.
user_probe) running for the whole drill it measures detection (shared.ops.drills.outage_report), runs
the ungraceful failover to the secondary with the engine `invoke failover` uses (the Region
switch plan when deployed, else the client-side sequence), clears the flag, fails back
(planned) and writes the report. The flag is put back on every way out, see drill_flag.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, Refused, one_line
from shared.ops.aws.probes import health_check
from shared.ops.aws.topology import DrTopology
from shared.ops.aws.waiting import WaitTimedOut
from shared.ops.drills.drill import _require_primary_writer
from shared.ops.drills.drill_flag import IMPAIRED, DrillFlag, flag_cache_seconds, terminate_raises
from shared.ops.drills.drill_sections import outages
from shared.ops.drills.heartbeat import Heartbeat
from shared.ops.drills.outage_report import Detection, OutageReport, first_impaired, first_moved
from shared.ops.drills.user_probe import ACCELERATOR, GOOD, Answer, UserProber
from shared.ops.engines.failover import Engine
from shared.ops.engines.lost_writes import ACK_NONE, kept_snapshot, read_record
from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest
from shared.ops.engines.state import utc_now


@dataclass(frozen=True)
class OutageTimeouts:
    """Seconds each wait of the drill may take (prober clock, except `recovery`: the engine's)."""

    baseline: float = 60  # a good answer from the primary through the accelerator, before impairing
    impaired: float | None = None  # the primary answering impaired; default: 3 flag caches + 30 s
    detection: float = 600  # GA moving users and Route 53 turning unhealthy, from setting the flag
    route53_poll: float = 10  # Route 53's checkers report every 10 or 30 s
    recovery: float = 1800  # after clearing: the primary's health answers 2xx again (Aurora rebuilds it)
    returned: float = 300  # after failback: the accelerator answers from the primary again


@dataclass
class OutageDrill:
    topology: DrTopology
    clients: AwsClients
    failover: Engine
    prober: UserProber
    echo: Callable[[str], None] = print
    timeouts: OutageTimeouts = field(default_factory=OutageTimeouts)
    sleep: Callable[[float], None] = time.sleep
    # RPO: beats to the writer while the drill runs, read back from each new writer (None: not measured).
    heartbeat: Heartbeat | None = None
    # When each window of the drill began, on the prober's clock: impaired, failover, failback.
    _since: dict[str, float] = field(default_factory=dict)

    def run(self, report_dir: Path | None = None) -> OutageReport:
        topology = self.topology
        primary, secondary = topology.primary, topology.secondary
        if topology.protect_data:
            raise Refused(f"environment {topology.environment} is protected (dr:protectData): an outage "
                          "drill fails its database over allowing data loss; use --kind planned")
        _require_primary_writer(topology, self.clients)
        flag = DrillFlag(self.clients, primary.region, topology.drill_flag_parameter_name)
        if flag.current() == IMPAIRED:
            raise Refused(f"{flag.name} is already true in {primary.region} (a drill that never finished?): "
                          f"the primary is impaired now; clear it first: {flag.command}")
        report = OutageReport(topology.environment, utc_now(), primary.region, secondary.region, flag.name,
                              strategy=topology.strategy)
        directory = report_dir or self.failover.store.directory / topology.environment
        try:
            with ExitStack() as running:
                running.enter_context(terminate_raises())
                running.enter_context(self.prober)
                if self.heartbeat:
                    running.enter_context(self.heartbeat)
                self._drill(flag, report)
            report.outcome = "passed"
        except (OpsError, KeyboardInterrupt) as error:
            report.error = str(error) or type(error).__name__
            raise
        finally:
            report.flag_restore = restore = flag.restore()
            report.answers = self.prober.answers()
            self._outages(report)
            if restore.failed:
                report.outcome = "failed"
                self.echo(f"error: the drill flag could not be restored ({restore.detail}); clear it now:")
                self.echo(f"    {restore.command}")
            report.finished_at = utc_now()
            markdown, data = report.write(directory)
            self.echo(f"outage drill {report.outcome}: report in {markdown} and {data}")
            if restore.failed:
                raise OpsError(f"the drill flag {flag.name} is still set in {primary.region}: "
                               f"{restore.command}")
        return report

    def _drill(self, flag: DrillFlag, report: OutageReport) -> None:
        topology, prober = self.topology, self.prober
        primary, secondary = topology.primary, topology.secondary
        if ACCELERATOR not in prober.entries:
            raise OpsError("the outage drill measures through the accelerator, but the topology has no "
                           "accelerator health URL")
        self.echo(f"== outage drill 1/5: users reach {primary.region} through the accelerator")
        before = prober.wait_for(ACCELERATOR, lambda a: _good_from(a, primary.region), self.timeouts.baseline)
        if before is None:
            last = prober.answers(ACCELERATOR)[-1:]
            raise OpsError(f"before impairing: no good answer from {primary.region} through the "
                           f"accelerator within {self.timeouts.baseline:g} s (last: {_describe(last)}); "
                           "nothing was changed")
        self.echo(f"== outage drill 2/5: impairing {primary.region}: {flag.name} = true "
                  "(its health answers 503; the application is untouched)")
        if self.heartbeat:
            self.heartbeat.begin("failover", primary.role)
        since = self._since["impaired"] = prober.now()
        flag.impair()
        report.flag_set_at = utc_now()
        report.detection = self._detect(since)
        self.echo(f"== outage drill 3/5: unplanned failover to {secondary.region}")
        self._since["failover"] = prober.now()
        report.failover = self.failover.run(FailoverRequest("secondary", UNPLANNED,
                                                            operation="outage drill failover"))
        if self.heartbeat:
            report.rpo["failover"] = self.heartbeat.measure(secondary.role)
            self.heartbeat.begin("failback", secondary.role)
        self.echo(f"== outage drill 4/5: clearing the impairment of {primary.region}")
        restore = report.flag_restore = flag.restore()
        if restore.failed:
            raise OpsError(f"cannot clear {flag.name} in {primary.region} ({restore.detail}); not "
                           "failing back onto an impaired primary")
        report.returned_standby_seconds, report.returned_role = self._wait_for_primary()
        self.echo(f"== outage drill 5/5: failback to {primary.region} (planned)")
        ack, report.lost_writes_acknowledged = self._acknowledgement()
        self._since["failback"] = prober.now()
        report.failback = self.failover.run(FailoverRequest(
            "primary", PLANNED, operation="outage drill failback", require_caught_up=True,
            restore_deployed_dials=True, catch_up_wait=True, check_lost_writes=True, ack_snapshot=ack))
        if self.heartbeat:
            report.rpo["failback"] = self.heartbeat.measure(primary.role)
        back = prober.wait_for(ACCELERATOR, lambda a: _good_from(a, primary.region), self.timeouts.returned)
        if back is None:
            self.echo(f"warning: the accelerator did not answer from {primary.region} within "
                      f"{self.timeouts.returned:g} s of the failback")

    def _detect(self, since: float) -> Detection:
        """Wait until GA answers from the secondary and the primary's Route 53 check turns unhealthy."""
        topology, prober, timeouts = self.topology, self.prober, self.timeouts
        primary, secondary = topology.primary, topology.secondary
        cache = flag_cache_seconds()
        detection = Detection(cache, route53_unhealthy_seconds={primary.region: None})
        impaired_limit = timeouts.impaired if timeouts.impaired is not None else 3 * cache + 30
        own = tuple(e for e in prober.entries if e == f"{primary.role}-api") or (ACCELERATOR,)
        route53_open = True
        while True:
            now, answers = prober.now() - since, prober.answers()
            detection.impaired_seconds = first_impaired(answers, own, primary.region, since)
            detection.accelerator_moved_seconds = first_moved(answers, secondary.region, since)
            if detection.impaired_seconds is None and now > impaired_limit:
                raise OpsError(f"{primary.region}'s health did not answer impaired within "
                               f"{impaired_limit:g} s of setting {topology.drill_flag_parameter_name} "
                               f"(last: {_describe(answers[-1:])}); is the compute layer deployed with "
                               "the drill flag? (invoke deploy --layer compute)")
            if route53_open:
                route53_open = self._route53(detection, primary.region, primary.health_check_id, since)
            if detection.accelerator_moved_seconds is not None and not route53_open:
                break
            if now > timeouts.detection:
                detection.notes.append(f"stopped waiting {timeouts.detection:g} s after setting the flag")
                break
            self.sleep(min(timeouts.route53_poll, max(0.0, timeouts.detection - now)) or 0.01)
        self._route53(detection, secondary.region, secondary.health_check_id, since, record=False)
        self.echo(f"    detection: impaired after {_s(detection.impaired_seconds)}, accelerator moved users "
                  f"after {_s(detection.accelerator_moved_seconds)}, Route 53 ({primary.region}) unhealthy "
                  f"after {_s(detection.route53_unhealthy_seconds.get(primary.region))}")
        return detection

    def _route53(self, detection: Detection, region: str, check_id: str, since: float,
                 record: bool = True) -> bool:
        """One read of a Route 53 check (informational); whether it is worth reading again."""
        try:
            state = health_check(self.clients, check_id)
        except AWS_ERRORS as error:
            detection.route53_last[region] = f"unreadable: {one_line(error)}"
            detection.notes.append(f"Route 53 check {check_id} ({region}) unreadable: {one_line(error)}")
            return False
        detection.route53_last[region] = state.describe()
        if record and not state.healthy:
            detection.route53_unhealthy_seconds[region] = round(self.prober.now() - since, 1)
            return False
        return True

    def _wait_for_primary(self) -> tuple[float | None, str | None]:
        """Failback's preflight judges the primary by its health: wait out the flag's cache and
        Aurora rebuilding the old primary, so it is not refused as unhealthy. The returning
        primary must also report standby (the authority record names the secondary, see
        docs/architecture/authority.md): how long that took is the return's measure, None when
        it never did."""
        primary, engine = self.topology.primary, self.failover
        started, standby_at, last_role = engine.waiter.clock(), None, None

        def answers() -> tuple[bool, str]:
            nonlocal standby_at, last_role
            seen = engine.prober(primary.health_url, 5.0)
            last_role = seen.role or last_role
            if seen.healthy and seen.role == "standby" and standby_at is None:
                standby_at = engine.waiter.clock()
            # A prober that reads no role (an entry without the health body) is judged on 2xx.
            return seen.healthy and seen.role in (None, "standby"), seen.describe() + (
                f", role {seen.role}" if seen.role else "")

        try:
            engine.waiter.until(f"{primary.region}'s health to answer 2xx as standby again", answers,
                                self.timeouts.recovery)
        except WaitTimedOut as error:
            raise OpsError(f"{error}; fail back by hand once it does (invoke failback)") from None
        took = None if standby_at is None else round(standby_at - started, 1)
        self.echo(f"    {primary.region} returned: " + (f"standby after {took:g} s" if took is not None
                                                        else f"never reported standby (role {last_role})"))
        return took, last_role

    def _acknowledgement(self) -> tuple[str | None, str | None]:
        """What the failback passes as --ack-snapshot. The drill's lost writes are its own (an
        unprotected environment): it acknowledges the snapshot Aurora kept by its ID, which stays
        until the cluster's backup retention expires, and the report names it."""
        topology = self.topology
        try:
            record = read_record(self.clients, topology.unplanned_record_parameter_name,
                                 topology.secondary.region)
            if record is None:
                return None, None
            snapshot = kept_snapshot(self.clients, record)
        except AWS_ERRORS as error:
            raise OpsError(f"cannot look up the unplanned failover's snapshot: {one_line(error)}") from None
        if snapshot is None:
            return ACK_NONE, (f"no {record.snapshot_prefix}* snapshot in {record.old_region}: "
                              "acknowledged as none (the drill's own writes)")
        return snapshot.snapshot_id, (f"{snapshot.snapshot_id} in {record.old_region} acknowledged by the "
                                      "drill; it stays until the cluster's backup retention expires")

    def _outages(self, report: OutageReport) -> None:
        """Per entry point: from the impairment to the failback, then from the failback on."""
        topology, answers = self.topology, report.answers
        if "impaired" not in self._since:
            return
        windows = [("impairment", self._since["impaired"], self._since.get("failback"),
                    topology.secondary.region)]
        if "failback" in self._since:
            windows.append(("failback", self._since["failback"], None, topology.primary.region))
        report.user_outage = outages(topology, list(self.prober.entries), answers, windows)


def _good_from(answer: Answer, region: str) -> bool:
    return answer.verdict == GOOD and answer.region == region


def _describe(answers: list[Answer]) -> str:
    if not answers:
        return "no answer"
    last = answers[-1]
    return f"{last.verdict} {last.detail or last.status} from {last.region or 'no region'}"


def _s(value: float | None) -> str:
    return "not seen" if value is None else f"{value:.1f} s"
