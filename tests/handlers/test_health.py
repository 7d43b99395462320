"""The health endpoint: region, role and reachability, 200 only when it can serve."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.handlers import events
from tests.handlers.conftest import ACTIVE_REGION_PARAMETER, PRIMARY, SECONDARY, aws_client, handler_module

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
    aws_client("ssm").put_parameter(
        Name=ACTIVE_REGION_PARAMETER, Value=region, Type="String", Overwrite=True)


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
    active(PRIMARY)
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


def test_unreadable_active_region_parameter_leaves_the_role_unknown_not_the_region_down(
        health, table, database):
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 200
    assert body["role"] == "unknown" and body["active_region"] is None


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
    ticks = iter([10.0, 10.4, 10.9])
    monkeypatch.setattr(health, "clock", lambda: next(ticks))
    budgets = []

    def probes_within(probes, budget):
        budgets.append(budget)
        return {name: "ok" for name in probes}

    monkeypatch.setattr(health, "run_within_budget", probes_within)
    response, body = call(health, events.alb("GET", "/health"))
    assert budgets == [pytest.approx(health.BUDGET_SECONDS - 0.4)]
    assert response["statusCode"] == 200 and body["duration_ms"] == 900

