"""What monitoring's authority alarms rely on: a write refused because the authority is
unreadable is AuthorityUnreadable, never FencedWrites (which the 5XX rate alarms subtract, so an
outage would excuse itself); health publishes the unreadable authority and the age of a move
on every answer; and each alarm's metric is one the handlers publish, dimensions included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.components import metrics
from tests.handlers import events
from tests.handlers.conftest import PRIMARY, SECONDARY, TABLE, aws_client, handler_module, record_authority
from tests.handlers.test_health import call


def emitted(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def published(document: dict[str, Any]) -> tuple[str, str, list[list[str]]]:
    directive = document["_aws"]["CloudWatchMetrics"][0]
    [metric] = directive["Metrics"]
    return directive["Namespace"], metric["Name"], directive["Dimensions"]


def moving_since(started: datetime) -> None:
    authority = handler_module("authority")
    authority.write(aws_client("dynamodb"), TABLE, authority.Authority(
        "", 2, SECONDARY, "test", started.isoformat(timespec="seconds")))


@pytest.fixture
def api():
    return handler_module("api")


@pytest.fixture
def health(monkeypatch, database):
    module = handler_module("health")
    within = module.run_within_budget
    monkeypatch.setattr(module, "run_within_budget", lambda probes, budget: within(probes, 60.0))
    return module


@pytest.fixture
def database(monkeypatch):
    import socket
    with socket.create_server(("127.0.0.1", 0)) as server:
        monkeypatch.setenv("DB_HOST", "127.0.0.1")
        monkeypatch.setenv("DB_PORT", str(server.getsockname()[1]))
        yield


def test_a_write_refused_with_the_authority_unreadable_is_not_a_fenced_write(api, capsys):
    # No table in this region: nothing can be read, ever (no last good record either).
    response = api.handler(events.alb("PUT", "/items/u", '{"x": 1}'), None)
    assert response["statusCode"] == 503 and "cannot be read" in json.loads(response["body"])["message"]
    [document] = emitted(capsys.readouterr().out)
    assert published(document)[1:] == ("AuthorityUnreadable", [["Environment"], ["Environment", "Source"]])
    assert (document["Environment"], document["Source"], document["AuthorityUnreadable"]) == ("dev", "alb", 1)


def test_a_write_refused_during_a_move_is_a_fenced_write_for_that_reason(api, table, capsys):
    record_authority("", 2, moving_to=SECONDARY)
    assert api.handler(events.alb("PUT", "/items/m", '{"x": 1}'), None)["statusCode"] == 503
    [document] = emitted(capsys.readouterr().out)
    assert published(document)[1] == "FencedWrites" and document["Reason"] == "moving"


def test_health_publishes_an_unreadable_authority(health, capsys):
    response, body = call(health, events.alb("GET", "/health"))
    assert body["role"] == "unknown"
    [document] = [d for d in emitted(capsys.readouterr().out) if published(d)[1] == "AuthorityUnreadable"]
    assert document["Source"] == "health"


def test_health_publishes_how_long_the_record_has_said_moving(health, table, capsys):
    moving_since(datetime.now(UTC) - timedelta(minutes=100))
    call(health, events.alb("GET", "/health"))
    [document] = emitted(capsys.readouterr().out)
    assert published(document)[1:] == ("AuthorityMoveSeconds", [["Environment"]])
    assert 6000 <= document["AuthorityMoveSeconds"] < 6060


def test_health_of_a_settled_record_publishes_nothing(health, table, capsys):
    record_authority(PRIMARY, 1)
    call(health, events.alb("GET", "/health"))
    record_authority(SECONDARY, 2)
    handler_module("fence").AUTHORITY.forget()
    handler_module("health").ANSWER.forget()
    call(health, events.alb("GET", "/health"))
    assert emitted(capsys.readouterr().out) == []


def test_each_alarmed_metric_is_published_under_exactly_its_dimensions(api, capsys):
    """CloudWatch identifies a metric by all its dimensions: an alarm on a set (or a namespace,
    or a name) no line publishes never fires."""
    health = handler_module("health")
    authority = handler_module("authority")
    api.count_fenced_write("alb", "standby")
    api.count_unreadable("apigateway")
    health.publish_authority(authority.Authority("", 3, SECONDARY, "test", "2026-01-01T00:00:00+00:00"),
                             authority.MOVING)
    documents = {published(d)[1]: d for d in emitted(capsys.readouterr().out)}
    for alarmed in (metrics.fenced_writes("dev", "alb", PRIMARY),
                    metrics.authority_unreadable("dev", PRIMARY),
                    metrics.authority_move_seconds("dev", PRIMARY)):
        document = documents[alarmed.name]
        namespace, _, dimension_sets = published(document)
        assert namespace == alarmed.namespace
        assert sorted(alarmed.dimensions) in [sorted(keys) for keys in dimension_sets]
        assert {key: document[key] for key in alarmed.dimensions} == dict(alarmed.dimensions)


def test_a_cold_environment_still_reading_is_not_an_unreadable_authority(database, table, capsys,
                                                                         monkeypatch):
    """Its first read outlasts the health budget: no failed read yet, nothing to alarm on."""
    import threading
    health = handler_module("health")  # the deployed one-second budget
    release = threading.Event()
    monkeypatch.setattr(health, "authority", lambda read: "ok" if release.wait(5) else "late")
    try:
        _, body = call(health, events.alb("GET", "/health"))
    finally:
        release.set()
    assert body["role"] == "unknown"
    assert emitted(capsys.readouterr().out) == []
