"""Handler tests: the modules of stacks/compute/handlers imported the way Lambda imports them
(their folder on sys.path, siblings as top-level modules), against moto's AWS."""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shared.config import HANDLERS_DIR as HANDLERS
from tests.handlers import events
from tests.permissions import Call, recorder

PRIMARY, SECONDARY = "us-east-1", "us-east-2"
TABLE = "dr-dev-items"
DRILL_IMPAIRED_PARAMETER = "/dr/dev/regional/drill/impaired"
API_KEY_PARAMETER = "/dr/dev/shared/api-key"


def handler_module(name: str) -> ModuleType:
    if str(HANDLERS) not in sys.path:
        sys.path.insert(0, str(HANDLERS))
    return importlib.import_module(name)


@functools.cache
def aws_client(service: str, region: str = PRIMARY) -> Any:
    """The test's own view of AWS, built once: moto intercepts clients made before mock_aws starts."""
    factory: Any = boto3.client
    return factory(service, region_name=region)


@pytest.fixture(scope="session", autouse=True)
def credentials() -> Iterator[None]:
    """Fake credentials for the whole session, so cached clients never reach a real account."""
    with pytest.MonkeyPatch.context() as patch:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            patch.setenv(key, "testing")
        patch.setenv("AWS_DEFAULT_REGION", PRIMARY)
        patch.delenv("AWS_PROFILE", raising=False)
        yield


# The functions Lambda invokes (their entry modules); the other modules are shared code.
FUNCTIONS = ("health", "api", "parameter_replicator", "event_processor")
# Set by tests/stacks/test_function_permissions.py: where to write every recorded call.
RECORD_TO = "DR_RECORD_AWS_CALLS"


@dataclass
class Recording:
    calls: list[Call]
    hooks: tuple[Callable[..., None], Callable[..., None]]

    def install(self) -> None:
        """On boto3's default session, which every client the handlers build copies (moto gives
        each test a fresh one)."""
        events = boto3._get_default_session().events
        events.register("provide-client-params.*.*", self.hooks[0])
        events.register("after-call.ssm.GetParameter", self.hooks[1])


@pytest.fixture(scope="session")
def recorded_calls() -> Recording:
    """Every AWS call a function's code makes in these tests, attributed to the function."""
    calls: list[Call] = []
    target = os.environ.get(RECORD_TO)

    def sink(call: Call) -> None:
        calls.append(call)
        if target:
            with open(target, "a", encoding="utf-8") as out:
                out.write(json.dumps(asdict(call)) + "\n")

    return Recording(calls, recorder(HANDLERS, FUNCTIONS, sink))


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch, recorded_calls: Recording) -> Iterator[None]:
    """The variables every function gets, and a fresh moto account per test."""
    for key, value in {
        "AWS_REGION": PRIMARY, "DR_ENVIRONMENT": "dev", "TABLE_NAME": TABLE,
        "PRIMARY_REGION": PRIMARY, "DRILL_IMPAIRED_PARAMETER": DRILL_IMPAIRED_PARAMETER,
        "API_KEY_PARAMETER": API_KEY_PARAMETER,
    }.items():
        monkeypatch.setenv(key, value)
    # Cached answers would leak between tests.
    handler_module("fence").AUTHORITY.forget()
    handler_module("health").ANSWER.forget()
    handler_module("drill").FLAG.forget()
    handler_module("auth").KEY.forget()
    with mock_aws():
        recorded_calls.install()
        # The API key, a SecureString in both regions as the data layer writes it.
        for region in (PRIMARY, SECONDARY):
            aws_client("ssm", region).put_parameter(Name=API_KEY_PARAMETER, Value=events.API_KEY,
                                                    Type="SecureString")
        yield


@pytest.fixture
def table() -> str:
    """The global table as the data layer creates it (hash key pk), in the primary region."""
    aws_client("dynamodb").create_table(
        TableName=TABLE, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    return TABLE


def record_authority(active_region: str, generation: int, region: str = PRIMARY,
                     moving_to: str = "") -> None:
    """What a move writes: the authority item, in `region`'s replica of the table."""
    authority = handler_module("authority")
    authority.write(aws_client("dynamodb", region), TABLE,
                    authority.Authority(active_region, generation, moving_to, "test"))
