"""Wiring the other tests leave loose: the request handlers' clients fail fast (each call and the
authority read's one retry fit the function's timeout and health's budget), and the authority
cache refreshes earlier than its period, never later (the drain the moves wait out assumes it)."""

from __future__ import annotations

import pytest

from shared.components.functions import RegionalFunctionArgs
from tests.handlers.conftest import handler_module, record_authority


def attempt_seconds(config) -> float:
    return config.connect_timeout + config.read_timeout


def test_request_handlers_clients_fail_fast_inside_their_budgets():
    clients, health = handler_module("clients"), handler_module("health")
    fast, retry = clients.FAST, clients.FAST_RETRY
    assert fast.retries["total_max_attempts"] == 1 and retry.retries["total_max_attempts"] == 2
    # Health answers within Route 53's 2 s: one fast attempt cannot outlast the answer.
    assert attempt_seconds(fast) <= health.ROUTE53_ANSWER_SECONDS
    # The authority read (one retry of a fast call) and an item call (two attempts) together
    # finish inside the api function's timeout, with its standard-mode backoff (< 1 s).
    function_timeout = RegionalFunctionArgs.__dataclass_fields__["timeout"].default
    assert 2 * attempt_seconds(fast) + 2 * attempt_seconds(retry) + 1 < function_timeout


@pytest.mark.parametrize(("fast", "retry_once", "expected"), [
    (True, False, "FAST"), (False, True, "FAST_RETRY"), (False, False, "PATIENT")])
def test_each_client_is_built_with_the_config_its_callers_ask_for(fast, retry_once, expected):
    clients = handler_module("clients")
    config = clients.client("dynamodb", fast=fast, retry_once=retry_once).meta.config
    wanted = getattr(clients, expected)
    assert (config.connect_timeout, config.read_timeout, config.retries) == (
        wanted.connect_timeout if wanted.connect_timeout is not None else 60,
        wanted.read_timeout if wanted.read_timeout is not None else 60, wanted.retries)


@pytest.mark.parametrize("jitter", [0.0, 0.5, 1.0])
def test_the_next_read_is_due_within_the_refresh_period_never_after(table, jitter):
    authority = handler_module("authority")
    now = [0.0]
    cache = authority.AuthorityCache(clock=lambda: now[0], jitter=lambda: jitter)
    record_authority("us-east-1", 1)
    dynamodb = handler_module("clients").client("dynamodb", fast=True)
    cache.get(dynamodb, table, "us-east-1")
    assert cache.reads == 1
    earliest = authority.REFRESH_SECONDS * (1 - authority.JITTER)
    now[0] = earliest - 0.01  # never before the jittered period...
    cache.get(dynamodb, table, "us-east-1")
    assert cache.reads == 1
    now[0] = authority.REFRESH_SECONDS * (1 - authority.JITTER * jitter) + 0.01  # ...and due by it
    cache.get(dynamodb, table, "us-east-1")
    assert cache.reads == 2
    assert cache._next_read <= now[0] + authority.REFRESH_SECONDS  # never scheduled past a period


@pytest.mark.parametrize(("module", "call"), [
    ("fence", lambda m: m.current()), ("health", lambda m: m._clients())])
def test_the_authority_and_health_reads_use_the_fast_clients(table, monkeypatch, module, call):
    clients, handler = handler_module("clients"), handler_module(module)
    asked: list[dict] = []

    def recording(service, region=None, fast=False, retry_once=False):
        asked.append({"service": service, "fast": fast, "retry_once": retry_once})
        return clients.client(service, region, fast, retry_once)

    monkeypatch.setattr(handler, "client", recording)
    call(handler)
    assert asked and all(a["fast"] and not a["retry_once"] for a in asked)
