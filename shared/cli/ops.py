"""`invoke status`, `failover`, `failback`, `drill`: operating the deployed DR setup (boto3).

The identifiers come from the contract mirror in SSM of the region named with --region, else of
the first DR region that answers, and only failing both from the Pulumi stack outputs
(shared/ops/aws/topology.py); the work is in shared/ops, which these tasks only wire to the
command line.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import (
    ENV_HELP,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_REFUSED,
    EXIT_USAGE,
    REQUIRED_ENV_HELP,
    aws_clients,
    fail,
    read_env,
    require_env,
    task,
)

if TYPE_CHECKING:
    from shared.ops.aws.clients import AwsClients
    from shared.ops.aws.topology import DrTopology
    from shared.ops.drills.heartbeat import Heartbeat
    from shared.ops.drills.user_probe import UserProber
    from shared.ops.engines.failover import Engine
    from shared.ops.engines.move import FailoverRequest
    from shared.ops.engines.preflight import Assessment

T = TypeVar("T")

_HELP = {
    "env": ENV_HELP,
    "backend": "Pulumi backend URL holding the stacks (default: PULUMI_BACKEND_URL or .pulumi-state/); "
               "read only when neither region has the contract mirror",
    "region": "DR region whose contract mirror (SSM) names the deployed resources; default: the "
              "profile's region, then the other DR region",
}
_MOVE_HELP = {
    **_HELP,
    "env": REQUIRED_ENV_HELP,
    "yes": "do not ask for confirmation",
    "force": "move even when the target region looks unhealthy or its database lags",
    "break_lock": "take over an orphaned operation lock (another run's); keeps every safety check",
    "local": "run the client-side sequence from this machine instead of the Region switch plan (for "
             "no plan deployed, ARC unavailable, or a plan whose evaluation says it is not ready)",
    "approve": "approve the plan's manual approval step when the execution reaches it (default: ask "
               "on a terminal, else print the aws CLI command that approves it and wait)",
}


@dataclass
class Runtime:
    """What the tasks build their operations from; tests swap in emulated AWS, a fake clock and
    a prober, and still run the tasks end to end through invoke."""

    clients: Callable[[], AwsClients] | None = None
    topology: Callable[[str, str | None], DrTopology] | None = None
    engine: dict[str, Any] = field(default_factory=dict)  # extra Failover(...) keywords: waiter, prober
    status: dict[str, Any] = field(default_factory=dict)  # extra collect_status(...) keywords
    # --kind outage: "prober" -> extra UserProber(...) keywords, "outage" -> extra OutageDrill(...) ones
    drill: dict[str, dict[str, Any]] = field(default_factory=dict)


RUNTIME = Runtime()


def _clients() -> AwsClients:
    return RUNTIME.clients() if RUNTIME.clients else aws_clients()


def _topology(env: str, backend: str, region: str = "") -> DrTopology:
    from shared.ops.aws.errors import OpsError
    from shared.ops.aws.topology import load_topology
    from shared.settings import SettingsError

    try:
        if RUNTIME.topology:
            return RUNTIME.topology(env, backend or None)
        return load_topology(env, region or None, clients=_clients(), backend=backend or None)
    except SettingsError as error:
        raise fail(str(error)) from None
    except OpsError as error:
        # The stacks are not deployed or their outputs are unreadable: a missing prerequisite.
        raise fail(str(error), code=EXIT_USAGE) from None


def _confirm(question: str, env: str, yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise fail(f"{question}: confirmation needed; rerun with --yes")
    answer = input(f"{question}? Type the environment name ({env}) to go on: ").strip()
    if answer != env:
        raise fail("not confirmed; nothing changed", code=EXIT_REFUSED)


def _run(action: Callable[[], T]) -> T:
    """Run an operation; its errors become one line and an exit code, never a traceback."""
    from shared.ops.aws.errors import AWS_ERRORS, OpsError, Refused, one_line

    try:
        return action()
    except Refused as error:
        raise fail(str(error), code=EXIT_REFUSED) from None
    except OpsError as error:
        raise fail(str(error), code=EXIT_FAILED) from None
    except AWS_ERRORS as error:
        raise fail(f"AWS call failed: {one_line(error)}", code=EXIT_FAILED) from None


def _engine(topology: DrTopology, *, local: bool = False,
            approve: bool = False) -> tuple[AwsClients, Engine]:
    """The Region switch plan's execution when the recovery layer deployed one, else (or with
    --local) the client-side sequence; both take the same requests and return the same result."""
    from shared.ops.engines.failover import Failover
    from shared.ops.engines.plan_failover import PlanFailover
    from shared.ops.engines.state import StateStore

    clients = _clients()
    options = {"store": StateStore(), **RUNTIME.engine}
    if topology.plan_arn and not local:
        return clients, PlanFailover(topology, clients, approve=approve, **options)
    return clients, Failover(topology, clients, **options)


def _confirmation(env: str, yes: bool) -> Callable[[FailoverRequest, Assessment], None]:
    """Asked after the preflight, so the question can say what an unplanned move would lose."""

    def confirm(request: FailoverRequest, seen: Assessment) -> None:
        target = seen.target.region
        loss = (f", losing the writes not yet replicated ({seen.lag_text(target)})"
                if request.mode == "unplanned" and not seen.already_promoted else "")
        _confirm(f"{request.operation.capitalize()} {env} to {target} ({request.mode}{loss})", env, yes)

    return confirm


@task(help={**_HELP, "format": "text (default) or json"})
def status(c: Context, env: str = "", format: str = "text", backend: str = "", region: str = "") -> None:
    """Which region serves, and is the standby ready? One screen, or JSON for scripts.

    Shows the active-region parameter and write fence in both regions, each region's entry
    point (/health over HTTP), the traffic dials and endpoint health, the Route 53 health checks,
    Aurora roles and replication lag, DynamoDB replicas and S3 replication, and the Region switch
    plan's latest evaluation with its warnings. A region that does not answer shows its errors;
    the rest still shows.
    """
    from shared.ops.aws.status import collect_status

    if format not in ("text", "json"):
        raise fail(f"--format must be text or json, not {format!r}")
    env = read_env(env)
    topology = _topology(env, backend, region)
    result = _run(lambda: collect_status(topology, _clients(), **RUNTIME.status))
    print(result.formatted(format))


@task(help={**_MOVE_HELP, "to": "region role that should serve afterwards: secondary or primary",
            "planned": "Aurora switchover without data loss (default; both regions must answer)",
            "unplanned": "Aurora failover ALLOWING DATA LOSS, for when the serving region is gone"})
def failover(c: Context, env: str = "", to: str = "", planned: bool = False, unplanned: bool = False,
             yes: bool = False, force: bool = False, backend: str = "", region: str = "",
             local: bool = False, approve: bool = False, break_lock: bool = False) -> None:
    """Fail over to one region: write fence, Aurora writer, traffic dials, active-region flag; timed.

    With the recovery layer's Region switch plan deployed, starts its execution in the target
    region (graceful, or ungraceful with --unplanned) and follows it step by step, reporting
    ARC's own timings; --local runs the same sequence from this machine instead.
    --unplanned needs only the target region: no call to the lost region or to Route 53's API.
    Waits for each step, verifies the end state and prints each step's time (the recovery
    time) and what is left to do by hand. Refuses an unhealthy target, and --unplanned while the
    writer's region is healthy, unless --force. Rerun after a failure to resume.
    """
    from shared.ops.engines.move import PLANNED, UNPLANNED, FailoverRequest

    env = require_env(env, "failover")
    if to not in ("secondary", "primary"):
        raise fail(f"--to must be secondary or primary, not {to!r}")
    if planned and unplanned:
        raise fail("--planned and --unplanned exclude each other; pick one")
    mode = UNPLANNED if unplanned else PLANNED
    topology = _topology(env, backend, region)
    _, engine = _run(lambda: _engine(topology, local=local, approve=approve))
    _run(lambda: engine.run(FailoverRequest(to, mode, force=force, break_lock=break_lock),
                            confirm=_confirmation(env, yes)))


_ACK_HELP = ("after an unplanned failover: the rds:unplanned-global-failover-* snapshot you accept to "
             "leave uncopied (or 'none' when Aurora kept none)")


@task(help={**_MOVE_HELP, "ack_snapshot": _ACK_HELP})
def failback(c: Context, env: str = "", yes: bool = False, force: bool = False, backend: str = "",
             ack_snapshot: str = "", region: str = "", local: bool = False, approve: bool = False,
             break_lock: bool = False) -> None:
    """Return to the primary once it is healthy and caught up; restores the deployed dials and fences.

    Runs the Region switch plan (graceful, activating the primary) when it is deployed, else or
    with --local the client-side sequence.

    A planned switchover, refused unless the primary's replication lag is within
    dr:replicationLagAlarmSeconds (or --force), and after an unplanned failover until the snapshot
    Aurora kept of the unreplicated writes is copied or acknowledged (--ack-snapshot).
    """
    from shared.ops.engines.move import PLANNED, FailoverRequest

    env = require_env(env, "failback")
    topology = _topology(env, backend, region)
    _, engine = _run(lambda: _engine(topology, local=local, approve=approve))
    _run(lambda: engine.run(FailoverRequest("primary", PLANNED, force=force, break_lock=break_lock,
                                            operation="failback",
                                            require_caught_up=True, restore_deployed_dials=True,
                                            check_lost_writes=True, ack_snapshot=ack_snapshot or None),
                            confirm=_confirmation(env, yes)))


DRILL_KINDS = ("planned", "outage")


@task(help={**_HELP, "env": REQUIRED_ENV_HELP,
            "yes": "required on a protected environment (dr:protectData) for --kind planned",
            "local": "run the moves as the client-side sequence even when the Region switch plan is deployed",
            "approve": "approve the plan's manual approval steps (protected environments) without a prompt",
            "kind": "planned (default): switchover and back; outage: impair the primary's health, measure "
                    "detection, unplanned failover and failback (refused on a protected environment)"})
def drill(c: Context, env: str = "", yes: bool = False, backend: str = "", region: str = "",
          kind: str = "planned", local: bool = False, approve: bool = False) -> None:
    """Rehearse failover and failback; writes a report with the measured recovery time.

    --kind planned: planned failover to the secondary, verification, failback; the report (Markdown
    and JSON under .runs/<env>/) holds step timings, the recovery time and the replication lag seen.
    --kind outage: makes the primary's health answer 503 (a drill flag only the health function
    reads), measures how long until Global Accelerator and Route 53 stop sending users there,
    fails over unplanned, clears the flag and fails back; the flag is restored on every exit.
    """
    env = require_env(env, "drill")
    if kind not in DRILL_KINDS:
        raise fail(f"--kind must be planned or outage, not {kind!r}")
    topology = _topology(env, backend, region)
    clients, engine = _engine(topology, local=local, approve=approve)
    if kind == "outage":
        _outage_drill(topology, clients, engine)
        return
    from shared.ops.drills.drill import run_drill

    prober, heartbeat = _drill_measures(topology, clients, "planned")
    report = _run(lambda: run_drill(topology, clients, engine, yes=yes, prober=prober, heartbeat=heartbeat,
                                    **RUNTIME.drill.get("planned", {})))
    if report.outcome != "passed":
        raise Exit(code=EXIT_FAILED)


def _drill_measures(topology: DrTopology, clients: AwsClients, kind: str) -> tuple[UserProber, Heartbeat]:
    """The prober of every entry point and the RPO heartbeat, for the drill's whole duration."""
    import uuid

    from shared.ops.drills.heartbeat import Heartbeat
    from shared.ops.drills.user_probe import UserProber, entry_points

    return (UserProber(entry_points(topology), **RUNTIME.drill.get("prober", {})),
            Heartbeat(topology, clients, f"{kind}-{uuid.uuid4().hex[:12]}"))


def _outage_drill(topology: DrTopology, clients: AwsClients, engine: Engine) -> None:
    from shared.ops.drills.outage_drill import OutageDrill

    prober, heartbeat = _drill_measures(topology, clients, "outage")
    options = {"heartbeat": heartbeat, **RUNTIME.drill.get("outage", {})}
    outage = OutageDrill(topology, clients, engine, prober, **options)
    try:
        _run(outage.run)
    except KeyboardInterrupt as stop:
        # The drill restored its flag before getting here (else it raised an OpsError instead).
        raise fail(f"outage drill interrupted ({str(stop) or 'Ctrl-C'}); the drill flag is cleared, a "
                   "failover may be half done: see invoke status, then rerun invoke failover or failback",
                   code=EXIT_INTERRUPTED) from None


@task(help={**_HELP, "env": REQUIRED_ENV_HELP, "region": "replay only in this DR region (default: both)"})
def redrive(c: Context, env: str = "", region: str = "", backend: str = "") -> None:
    """After recovery: replay what waits in the dead-letter queues (parameter copies, events).

    Each message is the event that failed; it is invoked again on its function, which handles it
    against the current state of both regions (a newer parameter is never overwritten or
    deleted), and deleted from the queue once accepted. Safe to rerun; exits 1 when a message
    could not be replayed (it stays queued).
    """
    from shared.config import settings_for
    from shared.contracts.monitoring import ASYNC_FUNCTION_ROLES
    from shared.ops.maintenance.redrive import redrive as replay
    from shared.settings import SettingsError

    env = require_env(env, "redrive")
    try:
        settings = settings_for(env)
    except SettingsError as error:
        raise fail(str(error)) from None
    regions = [settings.primary_region, settings.secondary_region]
    if region and region not in regions:
        raise fail(f"--region {region} is not a DR region of {env}; use one of {', '.join(regions)}")
    results = replay(env, [region] if region else regions, ASYNC_FUNCTION_ROLES, _clients())
    for result in results:
        print(result.line())
    if not all(r.ok for r in results):
        raise Exit(code=EXIT_FAILED)
