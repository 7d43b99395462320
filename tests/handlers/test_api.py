"""The items API over the table, through both front doors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.handlers import events
from tests.handlers.conftest import PRIMARY, aws_client, handler_module


@pytest.fixture
def api():
    return handler_module("api")


def call(api, event: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    response = api.handler(event, None)
    return response, json.loads(response["body"])


def item_event(method: str, item_id: str, body: str | None = None) -> dict[str, Any]:
    return events.api_gateway(method, "/items/{id}", f"/items/{item_id}", {"id": item_id}, body)


def test_put_then_get_round_trips_the_json_document(api, table):
    document = {"name": "widget", "price": 12.5, "tags": ["a", "b"], "nested": {"ok": True}}
    created, body = call(api, item_event("PUT", "w-1", json.dumps(document)))
    assert created["statusCode"] == 201
    assert body["data"] == document and body["region"] == PRIMARY

    fetched, body = call(api, events.alb("GET", "/items/w-1"))
    assert fetched["statusCode"] == 200
    assert body["id"] == "w-1" and body["data"] == document


def test_put_over_an_existing_item_replaces_it_with_200(api, table):
    call(api, item_event("PUT", "w-2", '{"v": 1}'))
    replaced, body = call(api, item_event("PUT", "w-2", '{"v": 2}'))
    assert replaced["statusCode"] == 200
    assert call(api, item_event("GET", "w-2"))[1]["data"] == {"v": 2}


def test_items_live_under_their_own_key_prefix_apart_from_recorded_events(api, table):
    call(api, item_event("PUT", "w-3", '"plain string"'))
    stored = aws_client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": "item#w-3"}})["Item"]
    assert json.loads(stored["data"]["S"]) == "plain string"


def test_put_through_the_alb_with_a_base64_body(api, table):
    response, body = call(api, events.alb("PUT", "/items/b64", '{"via": "alb"}', base64_body=True))
    assert response["statusCode"] == 201 and body["data"] == {"via": "alb"}


def test_alb_percent_encoded_ids_are_decoded(api, table):
    call(api, item_event("PUT", "a b", '{"x": 1}'))
    response, body = call(api, events.alb("GET", "/items/a%20b"))
    assert response["statusCode"] == 200 and body["id"] == "a b"


def test_missing_item_is_404_with_a_message(api, table):
    response, body = call(api, item_event("GET", "nope"))
    assert response["statusCode"] == 404
    assert "nope" in body["message"]


@pytest.mark.parametrize("raw, reason", [
    ("{not json", "not valid JSON"),
    ("", "body is required"),
    (None, "body is required"),
])
def test_put_without_a_valid_json_body_is_400(api, table, raw, reason):
    response, body = call(api, item_event("PUT", "bad", raw))
    assert response["statusCode"] == 400
    assert reason in body["message"]


def test_an_oversized_document_is_413(api, table):
    response, body = call(api, item_event("PUT", "big", json.dumps("x" * 400_000)))
    assert response["statusCode"] == 413


@pytest.mark.parametrize("door", ["apigateway", "alb"])
def test_a_deeply_nested_body_is_400_not_a_500(api, table, door):
    """'[' * 100000 made the parser raise RecursionError: a 500 any client could send."""
    raw = "[" * 100_000
    event = item_event("PUT", "deep", raw) if door == "apigateway" else \
        events.alb("PUT", "/items/deep", raw)
    response, body = call(api, event)
    assert response["statusCode"] == 400
    assert "nests deeper than" in body["message"]


def test_nesting_is_capped_even_when_the_parser_copes(api, table):
    web = handler_module("web")
    at_cap = "[" * web.MAX_JSON_DEPTH + "]" * web.MAX_JSON_DEPTH
    assert call(api, item_event("PUT", "ok", at_cap))[0]["statusCode"] == 201
    too_deep = "[" + at_cap + "]"
    response, body = call(api, item_event("PUT", "deep", too_deep))
    assert response["statusCode"] == 400 and "nests deeper than" in body["message"]


@pytest.mark.parametrize("base64_body", [False, True])
def test_a_body_over_the_cap_is_413_before_it_is_parsed(api, table, base64_body):
    web = handler_module("web")
    raw = "{" * (web.MAX_BODY_BYTES + 1)
    response, body = call(api, events.alb("PUT", "/items/big", raw, base64_body=base64_body))
    assert response["statusCode"] == 413 and "larger than" in body["message"]


def test_other_methods_are_405_with_allow(api, table):
    response, body = call(api, item_event("DELETE", "w-1"))
    assert response["statusCode"] == 405
    assert response["headers"]["allow"] == "GET, PUT"
    assert "DELETE" in body["message"]


def test_unknown_alb_path_is_404_in_the_alb_shape(api, table):
    response, body = call(api, events.alb("GET", "/orders/1"))
    assert response["statusCode"] == 404
    assert response["statusDescription"] == "404 Not Found"
    assert "/items/{id}" in body["message"]


def test_an_event_that_is_no_http_request_is_400_not_an_exception(api, table):
    response, body = call(api, {"hello": "world"})
    assert response["statusCode"] == 400
    assert "ALB or API Gateway" in body["message"]


def test_missing_table_is_503_not_an_unhandled_exception(api):
    response, body = call(api, item_event("GET", "w-1"))
    assert response["statusCode"] == 503
    assert "unavailable" in body["message"]


def test_alb_responses_are_what_the_alb_accepts(api, table):
    response = api.handler(events.alb("GET", "/items/none"), None)
    assert set(response) == {"statusCode", "statusDescription", "headers", "body", "isBase64Encoded"}
    assert response["isBase64Encoded"] is False
    assert response["headers"]["content-type"] == "application/json"


def test_alb_with_multi_value_headers_gets_them_back(api, table):
    response = api.handler(events.alb("GET", "/items/none", multi_value_headers=True), None)
    assert response["multiValueHeaders"]["content-type"] == ["application/json"]
    assert "headers" not in response


def test_api_gateway_responses_are_lambda_proxy_shaped(api, table):
    response = api.handler(item_event("GET", "none"), None)
    assert set(response) == {"statusCode", "headers", "body", "isBase64Encoded"}


def test_requests_are_logged_as_json_lines(api, table, capsys):
    call(api, item_event("PUT", "logged", '{"x": 1}'))
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    stored = [line for line in lines if line["message"] == "item stored"]
    assert stored and stored[0]["item_id"] == "logged" and stored[0]["new_item"] is True
