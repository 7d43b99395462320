"""Health under dr:strategy pilot-light: the standby's headless cluster is expected, nowhere else."""

from __future__ import annotations

import pytest

from tests.handlers import events
from tests.handlers import test_health as base
from tests.handlers.conftest import PRIMARY, SECONDARY
from tests.handlers.test_health import active, call

# The health module's own fixtures: the handler as deployed, and a database refusing connections.
budgeted, health, database_down = base.budgeted, base.health, base.database_down


@pytest.fixture
def pilot_light(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DR_STRATEGY", "pilot-light")


def test_a_pilot_light_standby_without_a_database_instance_is_healthy(health, table, database_down,
                                                                      pilot_light):
    active(SECONDARY)  # the function runs in the primary: it stands by
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 200
    assert body["role"] == "standby" and body["checks"]["database"] == "headless (pilot light standby)"


def test_the_active_region_still_needs_its_database_under_pilot_light(health, table, database_down,
                                                                     pilot_light):
    active(PRIMARY)
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 503
    assert body["checks"]["database"].startswith("error: ConnectionRefusedError")


def test_a_hot_standby_without_its_database_is_unhealthy(health, table, database_down):
    active(SECONDARY)
    response, body = call(health, events.alb("GET", "/health"))
    assert response["statusCode"] == 503 and body["role"] == "standby"
