"""invoke drill --kind outage: the primary's health is impaired through its drill flag, detection is
measured from a prober asking real HTTP servers on loopback whose answers follow the flag, the
unplanned failover and the failback run against moto and the Stubber, and the flag is put back on
every way out (success, an error, Ctrl-C, SIGTERM), or the exact command to do it is printed.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared.cli import ops as cli
from shared.ops.aws import authority
from shared.ops.aws.clients import ROUTE53_API_REGION
from shared.ops.aws.entry import EntryAnswer, http_probe
from shared.ops.aws.errors import OpsError, Refused
from shared.ops.aws.waiting import Timeouts, Waiter
from shared.ops.drills.drill_flag import Terminated, clear_command
from shared.ops.drills.heartbeat import Heartbeat
from shared.ops.drills.outage_drill import OutageDrill, OutageTimeouts
from shared.ops.drills.user_probe import ACCELERATOR, IMPAIRED, Reply, UserProber, entry_points, http_get
from shared.ops.engines.failover import Failover
from shared.ops.engines.move import FailoverRequest, FailoverResult
from shared.ops.engines.state import StateStore
from tests.ops.conftest import PRIMARY, SECONDARY, Aws, FakeClock
from tests.ops.test_failover import (
    queue_dials_back_and_verify,
    queue_failback_preflight,
    queue_promotion,
    queue_traffic_move,
    queue_verify,
)
from tests.ops.test_lost_writes import KEPT, kept
from tests.ops.test_outage_end_to_end import queue_unplanned_preflight, run_invoke

# GA's health checks fail an endpoint after a few failed checks; the world counts answers instead.
GA_FAILED_CHECKS = 3
FAST = OutageTimeouts(baseline=5, impaired=3, detection=10, route53_poll=0.05, recovery=60, returned=5)


class World:
    """What users reach, on loopback: each region's health follows its drill flag and write fence
    (read from moto's SSM, as the health function reads them), and the accelerator sends users to
    the primary until its health failed GA_FAILED_CHECKS times in a row, then to the secondary
    (GA's failover ignores the secondary's dial 0), and back once the dials (moved with the
    active-region flag) and the primary's health allow it."""

    def __init__(self, aws: Aws, honour_flag: bool = True) -> None:
        self.aws, self.honour_flag = aws, honour_flag
        self.failed_checks = 0
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self.urls = {name: self._serve(answer) for name, answer in (
            ("primary", lambda: self.region("primary")), ("secondary", lambda: self.region("secondary")),
            (ACCELERATOR, self.accelerator))}

    def _value(self, region: str, name: str) -> str | None:
        try:
            return str(self.aws.clients.ssm(region).get_parameter(Name=name)["Parameter"]["Value"])
        except Exception:  # missing, or the region is down: what the health function would not say
            return None

    def region(self, role: str) -> tuple[int, dict[str, Any]]:
        side = self.aws.topology.role(role)
        flag = self._value(side.region, self.aws.topology.drill_flag_parameter_name)
        impaired = self.honour_flag and flag == "true"
        fence = self._value(side.region, self.aws.topology.writes_enabled_parameter_name)
        return (503 if impaired else 200), {"region": side.region, "writes_enabled": fence == "true",
                                            "drill": "impaired" if impaired else "none",
                                            # The drill judges the primary's return by it.
                                            **({"role": self.role(side.region)} if role == "primary" else {})}

    def role(self, region: str) -> str:
        """As the health function derives it: from the authority record in the region's replica."""
        try:
            return str(authority.read_in(self.aws.clients, self.aws.topology, region).role(region))
        except Exception:  # the region is down: what the health function would not say
            return "unknown"

    def accelerator(self) -> tuple[int, dict[str, Any]]:
        dials_on_primary = self._value(SECONDARY, self.aws.topology.active_region_parameter_name) == PRIMARY
        status, body = self.region("primary")
        with self._lock:
            self.failed_checks = 0 if status == 200 else self.failed_checks + 1
            failed_over = self.failed_checks > GA_FAILED_CHECKS
        if dials_on_primary and not failed_over:
            return status, body
        return self.region("secondary")

    def _serve(self, answer: Callable[[], tuple[int, dict[str, Any]]]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, body = answer()
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/health"

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    # The deployed URLs (NLBs, accelerator, API stages) reach the loopback servers instead.
    def routes(self) -> dict[str, str]:
        topology = self.aws.topology
        entries = entry_points(topology)
        return {topology.primary.health_url: self.urls["primary"],
                topology.secondary.health_url: self.urls["secondary"],
                entries[ACCELERATOR]: self.urls[ACCELERATOR],
                entries["primary-api"]: self.urls["primary"],
                entries["secondary-api"]: self.urls["secondary"]}

    def fetch(self, url: str, timeout: float) -> Reply:
        return http_get(self.routes()[url], timeout)

    def probe(self, url: str, timeout: float) -> EntryAnswer:
        return replace(http_probe(self.routes()[url], timeout), url=url)


@dataclass
class Drill:
    aws: Aws
    world: World
    engine: Failover
    printed: list[str]
    directory: Path

    def prober(self) -> UserProber:
        return UserProber(entry_points(self.aws.topology), interval=0.05, timeout=0.5, fetch=self.world.fetch)

    def outage(self, engine: Any = None, topology: Any = None, **extra: Any) -> OutageDrill:
        return OutageDrill(topology or self.aws.topology, self.aws.clients, engine or self.engine,
                           self.prober(), echo=self.printed.append, timeouts=FAST, **extra)

    def flag(self) -> str | None:
        return self.world._value(PRIMARY, self.aws.topology.drill_flag_parameter_name)

    def report(self) -> dict[str, Any]:
        found, = self.directory.glob("drill-outage-*.json")
        return dict(json.loads(found.read_text()))


@pytest.fixture
def world(aws: Aws) -> Iterator[World]:
    built = World(aws)
    yield built
    built.close()


@pytest.fixture
def drill(aws: Aws, world: World, tmp_path: Path, printed: list[str]) -> Drill:
    clock = FakeClock()
    engine = Failover(aws.topology, aws.clients, store=StateStore(tmp_path / "runs"),
                      waiter=Waiter(clock=clock, sleep=clock.sleep, echo=printed.append, interval=5),
                      echo=printed.append, prober=world.probe, timeouts=Timeouts(probe=1))
    return Drill(aws, world, engine, printed, tmp_path / "runs" / "dev")


def queue_start(aws: Aws) -> None:
    aws.cluster(PRIMARY, writer="primary")  # a drill starts from the primary


def queue_detection(aws: Aws) -> None:
    """Route 53's checkers: the primary's still healthy at the first read, failing at the second;
    the secondary's, read once at the end, healthy."""
    aws.health("primary", healthy=True)
    aws.health("primary", healthy=False)
    aws.health("secondary", healthy=True)


def queue_unplanned_failover(aws: Aws) -> None:
    queue_unplanned_preflight(aws)
    queue_promotion(aws, "failover")
    queue_traffic_move(aws)
    queue_verify(aws)


def queue_failback(aws: Aws) -> None:
    """The drill's own look for the snapshot Aurora kept, then the failback, which looks again."""
    aws.snapshots("primary", kept())
    queue_failback_preflight(aws, lag_ms=400, snapshots=(kept(),))
    aws.cluster(PRIMARY, writer="secondary")
    aws.switchover(PRIMARY, target="primary")
    aws.cluster(PRIMARY, writer="primary")
    queue_dials_back_and_verify(aws)


def queue_everything(aws: Aws) -> None:
    queue_start(aws)
    queue_detection(aws)
    queue_unplanned_failover(aws)
    queue_failback(aws)


def test_a_protected_environment_is_refused_before_anything_is_touched(drill):
    protected = replace(drill.aws.topology, protect_data=True)
    with pytest.raises(Refused, match=r"^environment dev is protected \(dr:protectData\): an outage drill "):
        drill.outage(topology=protected).run(drill.directory)
    assert drill.flag() is None and not drill.directory.exists()
    drill.aws.verify_all_used()


def test_a_flag_left_set_is_refused_with_the_command_that_clears_it(drill):
    queue_start(drill.aws)
    name = drill.aws.topology.drill_flag_parameter_name
    drill.aws.clients.ssm(PRIMARY).put_parameter(Name=name, Value="true", Type="String")
    with pytest.raises(Refused, match="already true") as refused:
        drill.outage().run(drill.directory)
    assert clear_command(PRIMARY, name) in str(refused.value)
    assert drill.flag() == "true"  # not the drill's to decide: the operator clears it


def test_the_drill_measures_detection_fails_over_and_back_and_restores_the_flag(drill):
    queue_everything(drill.aws)

    report = drill.outage().run(drill.directory)

    drill.aws.verify_all_used()
    assert report.outcome == "passed" and drill.flag() == "false"
    data = drill.report()
    assert data["kind"] == "outage" and data["outcome"] == "passed"
    assert data["flag"]["restore"]["outcome"] == "restored"
    detection = data["detection"]
    # The primary answered impaired first, then the accelerator moved users to the secondary
    # after GA's failed checks, while the primary's Route 53 check turned unhealthy.
    assert 0 <= detection["impaired_seconds"] < detection["accelerator_moved_seconds"] < FAST.detection
    assert detection["route53_unhealthy_seconds"][PRIMARY] is not None
    assert detection["route53_last"][SECONDARY] == "8/8 checkers report success"
    assert detection["flag_cache_seconds"] == 5.0
    impaired = [a for a in data["answers"] if a["entry"] == ACCELERATOR and a["verdict"] == IMPAIRED]
    assert len(impaired) == GA_FAILED_CHECKS and {a["region"] for a in impaired} == {PRIMARY}
    # What users of the accelerator saw: impaired answers until GA sent them to the secondary.
    through_ga = data["user_outage"][ACCELERATOR]["impairment"]
    assert through_ga["first_bad"]["verdict"] == IMPAIRED and through_ga["first_good"]["region"] == SECONDARY
    assert through_ga["seconds"] == pytest.approx(  # each rounded to the millisecond in the JSON
        through_ga["first_good"]["at"] - through_ga["first_bad"]["at"], abs=0.002)
    assert data["user_outage"]["secondary-api"]["impairment"]["seconds"] == 0
    assert data["user_outage"][ACCELERATOR]["failback"]["first_good"]["region"] == PRIMARY
    assert data["failover"]["mode"] == "unplanned" and data["failback"]["mode"] == "planned"
    assert KEPT in data["lost_writes_acknowledged"]
    assert (drill.aws.fence_in(PRIMARY), drill.aws.fence_in(SECONDARY)) == ("true", "true")
    assert drill.aws.active_region_in(PRIMARY) == drill.aws.active_region_in(SECONDARY) == PRIMARY
    markdown = next(drill.directory.glob("drill-outage-*.md")).read_text()
    assert "## Detection (seconds after setting the flag, from the prober)" in markdown
    assert f"| {ACCELERATOR} | impairment |" in markdown and "- Flag restored: restored at" in markdown
    # The return: once cleared, the primary answered standby (the record names the secondary).
    assert data["returned_role"] == "standby" and data["returned_standby_seconds"] is not None
    took = data["returned_standby_seconds"]
    assert f"- The return: {PRIMARY} reported standby {took:.1f} s after" in markdown


def test_heartbeats_measure_each_moves_data_loss_in_the_report(drill, stores):
    """The beats go to the writer of each move and are read back from the new one (moto does not
    replicate the table between regions: every beat is missing there, and the report says so)."""
    queue_everything(drill.aws)
    without_aurora = replace(drill.aws.topology, db_name="")  # no Data API: Aurora is not measured
    clock = FakeClock()
    heartbeat = Heartbeat(without_aurora, drill.aws.clients, "outage-test", interval=0.05, clock=clock,
                          sleep=clock.sleep)

    drill.outage(heartbeat=heartbeat).run(drill.directory)

    rpo = drill.report()["rpo"]
    assert set(rpo) == {"failover", "failback"}
    for move, (written, read) in {"failover": (PRIMARY, SECONDARY), "failback": (SECONDARY, PRIMARY)}.items():
        by_store = {r["store"]: r for r in rpo[move]}
        assert by_store["aurora"]["gap_beats"] is None and "no db_secret_arn/db_name" in by_store["aurora"][
            "explanation"]
        table = by_store["dynamodb"]
        assert (table["written_region"], table["read_region"]) == (written, read)
        assert table["last_written_seq"] and table["gap_beats"] == table["last_written_seq"]
    markdown = next(drill.directory.glob("drill-outage-*.md")).read_text()
    assert "- Data loss (failover, dynamodb): " in markdown


class Broken:
    """The real engine, with `during` run in place of the failover (the failback is never reached)."""

    def __init__(self, engine: Failover, during: Callable[[], None]) -> None:
        self.engine, self.during = engine, during
        self.store, self.waiter, self.prober = engine.store, engine.waiter, engine.prober

    def run(self, request: FailoverRequest, confirm: Any = None) -> FailoverResult:
        self.during()
        raise AssertionError("unreachable")


def test_an_error_in_the_failover_restores_the_flag(drill):
    queue_start(drill.aws)
    queue_detection(drill.aws)
    drill.aws.fail("rds", SECONDARY, "describe_global_clusters")  # the unplanned preflight's first read
    drill.aws.group("secondary", 0)  # read beside it

    with pytest.raises(OpsError, match="preflight could not read global cluster"):
        drill.outage().run(drill.directory)

    assert drill.flag() == "false"
    data = drill.report()
    assert data["outcome"] == "failed" and "preflight could not read" in data["error"]
    assert data["flag"]["restore"]["outcome"] == "restored" and data["detection"] is not None


@pytest.mark.parametrize("interrupt", ["ctrl-c", "sigterm"])
def test_an_interrupted_drill_restores_the_flag_and_the_signal_handler(drill, interrupt):
    queue_start(drill.aws)
    queue_detection(drill.aws)
    before = signal.getsignal(signal.SIGTERM)

    def stop() -> None:
        assert drill.flag() == "true"  # impaired while the failover runs
        if interrupt == "ctrl-c":
            raise KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)
        threading.Event().wait(5)  # the handler raises on the main thread before this ends

    with pytest.raises(Terminated if interrupt == "sigterm" else KeyboardInterrupt):
        drill.outage(engine=Broken(drill.engine, stop)).run(drill.directory)

    assert drill.flag() == "false"
    assert signal.getsignal(signal.SIGTERM) is before
    assert drill.report()["flag"]["restore"]["outcome"] == "restored"


def test_a_flag_that_cannot_be_restored_prints_the_command_and_fails(outage, drill):
    queue_start(drill.aws)
    queue_detection(drill.aws)

    def region_lost() -> None:
        outage.take_down(PRIMARY)
        raise OpsError("the failover stopped")

    with pytest.raises(OpsError, match="still set in us-east-1: aws ssm put-parameter") as failed:
        drill.outage(engine=Broken(drill.engine, region_lost)).run(drill.directory)

    command = clear_command(PRIMARY, drill.aws.topology.drill_flag_parameter_name)
    assert command in str(failed.value) and f"    {command}" in drill.printed
    assert command == (f"aws ssm put-parameter --region {PRIMARY} --name /dr/dev/regional/drill/impaired "
                       "--value false --type String --overwrite")
    restore = drill.report()["flag"]["restore"]
    assert restore["outcome"] == "FAILED" and restore["command"] == command
    outage.restore(PRIMARY)
    assert drill.flag() == "true"


def test_a_flag_without_effect_stops_the_drill_before_any_failover(aws, drill):
    drill.world.honour_flag = False  # a compute layer deployed before the drill flag existed
    queue_start(aws)
    aws.fail("route53", ROUTE53_API_REGION, "get_health_check_status")  # informational: read once

    with pytest.raises(OpsError, match=r"did not answer impaired within 3 s .* deploy --layer compute"):
        drill.outage().run(drill.directory)

    assert drill.flag() == "false"
    aws.verify_all_used()  # no failover call was queued, none was made


@pytest.fixture
def tasks_wired(drill: Drill, monkeypatch: pytest.MonkeyPatch) -> Drill:
    engine = drill.engine
    monkeypatch.setattr(cli, "RUNTIME", cli.Runtime(
        clients=lambda: drill.aws.clients, topology=lambda env, backend: drill.aws.topology,
        engine={"store": engine.store, "waiter": engine.waiter, "prober": engine.prober,
                "timeouts": engine.timeouts, "echo": drill.printed.append},
        drill={"prober": {"interval": 0.05, "timeout": 0.5, "fetch": drill.world.fetch},
               "outage": {"timeouts": FAST, "echo": drill.printed.append, "heartbeat": None}}))
    return drill


def test_invoke_drill_kind_outage_end_to_end(tasks_wired, capsys):
    queue_everything(tasks_wired.aws)

    code = run_invoke("drill", "--env", "dev", "--kind", "outage")

    assert code == 0, capsys.readouterr().err
    tasks_wired.aws.verify_all_used()
    assert tasks_wired.report()["outcome"] == "passed" and tasks_wired.flag() == "false"
    assert any(line.startswith("outage drill passed: report in ") for line in tasks_wired.printed)


def test_invoke_drill_interrupted_is_one_line_and_exit_130(tasks_wired, capsys, monkeypatch):
    queue_start(tasks_wired.aws)
    queue_detection(tasks_wired.aws)

    def interrupted(self: Failover, request: FailoverRequest, confirm: Any = None) -> FailoverResult:
        raise KeyboardInterrupt

    monkeypatch.setattr(Failover, "run", interrupted)
    code = run_invoke("drill", "--env", "dev", "--kind", "outage")

    err = capsys.readouterr().err.strip()
    assert code == 130 and tasks_wired.flag() == "false"
    assert err.startswith("error: outage drill interrupted (Ctrl-C); the drill flag is cleared")
    assert "\n" not in err


def test_invoke_drill_refuses_outage_on_a_protected_environment(tasks_wired, capsys, monkeypatch):
    protected = replace(tasks_wired.aws.topology, protect_data=True)
    monkeypatch.setattr(cli.RUNTIME, "topology", lambda env, backend: protected)
    code = run_invoke("drill", "--env", "dev", "--kind", "outage", "--yes")
    err = capsys.readouterr().err.strip()
    assert code == 3 and err.startswith("error: environment dev is protected") and "\n" not in err


def test_invoke_drill_with_a_bad_kind_is_a_usage_error(capsys):
    code = run_invoke("drill", "--env", "dev", "--kind", "chaos")
    assert code == 2
    assert capsys.readouterr().err.strip() == "error: --kind must be planned or outage, not 'chaos'"
