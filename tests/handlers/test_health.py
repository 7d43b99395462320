"""The health endpoint: region, role and reachability, 200 only when it can serve."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from tests.handlers import events
from tests.handlers.conftest import (
    DRILL_IMPAIRED_PARAMETER,
    PRIMARY,
    SECONDARY,
    aws_client,
    handler_module,
    record_authority,
)

# The probes get a second in Lambda; moto on a loaded test machine may need longer, which would
# turn a healthy answer into a timeout at random. Answers are tested with the clock out of the
# way; the budget itself has its own tests (a hanging probe is cut, client creation counts).
ANSWER_TEST_BUDGET = 60.0
HANG_SECONDS = 30.0  # a probe that only a broken cut would wait for


@pytest.fixture
def budgeted():
    """The handler exactly as deployed, budget included."""
    return handler_module("health")


@pytest.fixture
def health(budgeted, monkeypatch: pytest.MonkeyPatch):
    within = budgeted.run_within_budget
    monkeypatch.setattr(budgeted, "run_within_budget",
                        lambda probes, budget: within(probes, ANSWER_TEST_BUDGET))
    return budgeted


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A listening TCP socket standing in for the cluster endpoint."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        monkeypatch.setenv("DB_HOST", "127.0.0.1")
        monkeypatch.setenv("DB_PORT", str(port))
        yield port


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """A port nothing listens on: the connection is refused."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    monkeypatch.setenv("DB_HOST", "127.0.0.1")
    monkeypatch.setenv("DB_PORT", str(port))


def active(region: str) -> None:
    record_authority(region, 1)


def call(health, event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    response = health.handler(event, None)
    return response, json.loads(response["body"])


def test_active_region_with_everything_reachable_is_200_through_the_alb(health, table, database):
    active(PRIMARY)
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 200
    assert response["statusDescription"] == "200 OK"
    assert set(response) == {"statusCode", "statusDescription", "headers", "body", "isBase64Encoded"}
    assert body["region"] == PRIMARY and body["role"] == "active" and body["healthy"] is True
    assert body["checks"] == {"dynamodb": "ok", "database": "ok"}


def test_standby_region_that_can_serve_is_healthy_through_api_gateway(health, table, database):
    active(SECONDARY)
    response, body = call(health, events.api_gateway("GET", "/health", "/health"))
    assert response["statusCode"] == 200
    assert "statusDescription" not in response
    assert body["role"] == "standby" and body["active_region"] == SECONDARY


def test_unreachable_database_is_503_naming_the_database(health, table, database_down):
    active(PRIMARY)
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 503
    assert response["statusDescription"] == "503 Service Unavailable"
    assert body["healthy"] is False
    assert body["checks"]["dynamodb"] == "ok"
    assert body["checks"]["database"].startswith("error: ConnectionRefusedError")


def test_missing_table_is_503_naming_dynamodb(health, database):
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 503
    assert body["checks"]["database"] == "ok"
    # The code only: AWS's message (ARNs, role names) stays in the log, off the public endpoint.
    assert body["checks"]["dynamodb"] == "error: ResourceNotFoundException"


def test_unset_database_endpoint_is_503_saying_which_variable(health, table, monkeypatch):
    monkeypatch.delenv("DB_HOST", raising=False)
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 503
    assert "DB_HOST" in body["checks"]["database"]


def test_no_authority_record_yet_means_the_deployed_primary_is_active(health, table, database):
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 200
    assert body["role"] == "active" and body["active_region"] == PRIMARY and body["generation"] == 0


def test_non_get_is_405(health, table, database):
    response, body = call(health, events.alb("POST", "/health", "{}"))
    assert response["statusCode"] == 405 and response["headers"]["allow"] == "GET, HEAD"


def test_a_hanging_check_is_cut_at_the_budget(budgeted):
    # The hanging probe answers "ok" only if the cut waited for it; the instant one has the
    # whole budget (a tolerance of one second for a thread to run a lambda).
    release = threading.Event()
    try:
        results = budgeted.run_within_budget(
            {"fast": lambda: "ok", "hanging": lambda: "ok" if release.wait(HANG_SECONDS) else "late"},
            1.0)
    finally:
        release.set()
    assert results == {"fast": "ok", "hanging": "error: no answer within 1.0 s"}


def test_the_budget_leaves_route53_room_for_a_cold_start(health):
    # Route 53 fails the check unless the 2xx arrives within 2 s of connecting; a cold start's
    # init comes out of the same 2 s. A probe's own connect timeout never outlives the budget.
    assert health.ROUTE53_ANSWER_SECONDS == 2.0
    assert health.BUDGET_SECONDS + health.COLD_START_ALLOWANCE_SECONDS < health.ROUTE53_ANSWER_SECONDS
    assert health.CONNECT_TIMEOUT_SECONDS < health.BUDGET_SECONDS


def test_building_the_clients_counts_against_the_budget(health, table, database, monkeypatch):
    """A cold path: creating the clients takes 0.4 s of the 1 s; the probes get what is left."""
    ticks = iter([10.0, 10.4, 10.9, 10.9])
    monkeypatch.setattr(health, "clock", lambda: next(ticks))
    budgets = []

    def probes_within(probes, budget):
        budgets.append(budget)
        return {name: "ok" for name in probes}

    monkeypatch.setattr(health, "run_within_budget", probes_within)
    response, body = call(health, events.alb("GET", "/health"))
    assert budgets == [pytest.approx(health.BUDGET_SECONDS - 0.4)]
    assert response["statusCode"] == 200 and body["duration_ms"] == 900



# --- the outage drill's flag (handlers/drill.py): 503 while impaired, fail open otherwise ---

class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def drill(monkeypatch: pytest.MonkeyPatch):
    """The drill module on a clock that moves only when the test says so."""
    module = handler_module("drill")
    monkeypatch.setattr(module, "clock", Clock())
    return module


def set_flag(drill, value: str) -> None:
    """What `invoke drill --kind outage` does; health sees it once its cached answer is older than the TTL."""
    aws_client("ssm").put_parameter(Name=DRILL_IMPAIRED_PARAMETER, Value=value, Type="String",
                                    Overwrite=True)
    drill.clock.now += drill.TTL_SECONDS
    handler_module("health").ANSWER.forget()  # past the health answer's own second


def answer(health) -> tuple[int, dict[str, Any]]:
    response, body = call(health, events.alb("GET", "/health"))
    return response["statusCode"], body


def test_an_impaired_region_answers_503_saying_it_is_a_drill_with_its_real_checks(
        health, drill, table, database):
    active(PRIMARY)
    set_flag(drill, "true")
    status, body = answer(health)
    assert status == 503
    assert body["drill"] == "impaired" and "drill impairment" in body["message"]
    assert body["healthy"] is False and body["dns"] == "unhealthy"
    # The application is untouched: its own checks still pass and say so.
    assert body["checks"] == {"dynamodb": "ok", "database": "ok"}
    assert body["role"] == "active" and body["writes_enabled"] is True


def test_clearing_the_flag_makes_the_region_healthy_again(health, drill, table, database):
    set_flag(drill, "true")
    assert answer(health)[0] == 503
    set_flag(drill, "false")
    status, body = answer(health)
    assert status == 200 and body["drill"] == "none" and "message" not in body


@pytest.mark.parametrize("value", ["missing", "false", "TRUE-ish", " "])
def test_anything_but_true_leaves_a_healthy_region_healthy(health, drill, table, database, value):
    if value != "missing":  # nothing creates the flag but the drill
        set_flag(drill, value)
    status, body = answer(health)
    assert status == 200 and body["drill"] == "none"


def test_the_flag_is_read_at_most_once_per_ttl(drill):
    ssm, flag = aws_client("ssm"), drill.DrillFlag()
    assert flag.impaired(ssm) is False
    ssm.put_parameter(Name=DRILL_IMPAIRED_PARAMETER, Value="true", Type="String")
    drill.clock.now += drill.TTL_SECONDS - 0.1
    assert flag.impaired(ssm) is False  # the cached answer
    drill.clock.now += 0.1
    assert flag.impaired(ssm) is True


def test_a_denied_read_fails_open_unlike_the_fence(drill):
    ssm = aws_client("ssm")
    ssm.put_parameter(Name=DRILL_IMPAIRED_PARAMETER, Value="true", Type="String")
    with Stubber(ssm) as stub:
        stub.add_client_error("get_parameter", "AccessDeniedException", "not authorized")
        assert drill.DrillFlag().impaired(ssm) is False


def test_an_unreachable_parameter_store_fails_open(drill):
    # Impaired in moto: only a read that really went to the dead endpoint answers "not impaired".
    aws_client("ssm").put_parameter(Name=DRILL_IMPAIRED_PARAMETER, Value="true", Type="String")
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]  # closed once the block ends: connections are refused
    factory: Any = boto3.client
    ssm = factory("ssm", region_name=PRIMARY, endpoint_url=f"http://127.0.0.1:{port}",
                  config=Config(connect_timeout=0.5, retries={"total_max_attempts": 1}))
    assert drill.DrillFlag().impaired(ssm) is False


def test_an_unset_variable_means_not_impaired(drill, monkeypatch):
    aws_client("ssm").put_parameter(Name=DRILL_IMPAIRED_PARAMETER, Value="true", Type="String")
    monkeypatch.delenv("DRILL_IMPAIRED_PARAMETER")
    assert drill.DrillFlag().impaired(aws_client("ssm")) is False


def test_a_flag_read_past_the_budget_leaves_the_region_healthy(budgeted, drill, monkeypatch):
    """A Parameter Store that hangs costs the budget, never the region's health."""
    release = threading.Event()

    def hanging(ssm: Any) -> str:
        return "impaired" if release.wait(HANG_SECONDS) else "none"

    monkeypatch.setattr(budgeted, "drill", hanging)
    for check in ("check_dynamodb", "check_database"):  # instant: the real budget cuts the flag alone
        monkeypatch.setattr(budgeted, check, lambda *_: "ok")
    try:
        status, body = answer(budgeted)
    finally:
        release.set()
    assert status == 200 and body["drill"] == "none"
