"""The ALB door asks for the same API key API Gateway enforces on the REST door: no key, a wrong
key or an unreadable key never reaches the table."""

from __future__ import annotations

import json

import pytest

from tests.handlers import events
from tests.handlers.conftest import API_KEY_PARAMETER, PRIMARY, aws_client, handler_module
from tests.handlers.test_write_fence import Clock


@pytest.fixture
def api():
    return handler_module("api")


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(handler_module("auth"), "clock", fake)
    return fake


def status(api, event) -> int:
    return int(api.handler(event, None)["statusCode"])


def stored(table: str, item_id: str) -> bool:
    return "Item" in aws_client("dynamodb").get_item(TableName=table, Key={"pk": {"S": f"item#{item_id}"}})


def test_alb_writes_and_reads_without_the_key_are_refused_and_store_nothing(api, table):
    assert status(api, events.alb("PUT", "/items/a", '{"x": 1}', api_key=None)) == 403
    assert status(api, events.alb("PUT", "/items/a", '{"x": 1}', api_key="guess")) == 403
    assert not stored(table, "a")
    assert status(api, events.alb("PUT", "/items/a", '{"x": 1}')) == 201
    assert status(api, events.alb("GET", "/items/a", api_key=None)) == 403
    assert status(api, events.alb("GET", "/items/a")) == 200


def test_the_key_is_read_from_multi_value_headers_too(api, table):
    assert status(api, events.alb("PUT", "/items/m", '{"x": 1}', multi_value_headers=True)) == 201
    assert status(api, events.alb("PUT", "/items/n", '{"x": 1}', multi_value_headers=True,
                                  api_key=None)) == 403


def test_the_rest_door_leaves_the_key_to_api_gateway(api, table):
    # API Gateway answers 403 itself before invoking the function when the key is missing.
    event = events.api_gateway("PUT", "/items/{id}", "/items/r", {"id": "r"}, '{"x": 1}')
    assert status(api, event) == 201


def test_an_unreadable_key_fails_closed_with_503(api, table, clock):
    aws_client("ssm", PRIMARY).delete_parameter(Name=API_KEY_PARAMETER)
    response = api.handler(events.alb("PUT", "/items/u", '{"x": 1}'), None)
    assert response["statusCode"] == 503 and "API key" in json.loads(response["body"])["message"]
    assert not stored(table, "u")


def test_a_rotated_key_is_accepted_once_the_cache_expires(api, table, clock):
    assert status(api, events.alb("PUT", "/items/k", '{"x": 1}')) == 201
    aws_client("ssm", PRIMARY).put_parameter(Name=API_KEY_PARAMETER, Value="n3w" * 13 + "x",
                                             Type="SecureString", Overwrite=True)
    clock.now += handler_module("auth").TTL_SECONDS - 1
    assert status(api, events.alb("PUT", "/items/k", '{"x": 2}')) == 200  # cached: old key still
    clock.now += 1
    assert status(api, events.alb("PUT", "/items/k", '{"x": 3}')) == 403
    assert status(api, events.alb("PUT", "/items/k", '{"x": 3}', api_key="n3w" * 13 + "x")) == 200
