"""boto3 clients, built once per execution environment and reused across invocations."""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from botocore.config import Config

# Request handlers must answer well inside the ALB/API Gateway timeouts: fail fast, no retries.
FAST = Config(connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1, "mode": "standard"})
# The items API's DynamoDB calls: one retry for the transient errors AWS expects callers to
# retry (throttling, 500s), still inside the function's 10 s timeout and API Gateway's 29 s:
# two attempts of at most 2 s each plus the standard mode's backoff.
FAST_RETRY = Config(connect_timeout=1, read_timeout=1,
                    retries={"total_max_attempts": 2, "mode": "standard"})
# Event handlers run asynchronously: the SDK's standard retries first, then Lambda's, then the DLQ.
PATIENT = Config(retries={"max_attempts": 3, "mode": "standard"})


def own_region() -> str:
    return os.environ["AWS_REGION"]


def required_env(name: str) -> str:
    """An environment variable the infrastructure must set; a clear error when it did not."""
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"environment variable {name} is not set on this function")
    return value


def client(service: str, region: str | None = None, fast: bool = False,
           retry_once: bool = False) -> Any:
    """The service's client for `region` (default: the function's own)."""
    return _client(service, region or own_region(), fast, retry_once)


@functools.cache
def _client(service: str, region: str, fast: bool, retry_once: bool = False) -> Any:
    # The stubs type boto3.client per literal service name; this factory serves several.
    factory: Any = boto3.client
    config = FAST_RETRY if retry_once else FAST if fast else PATIENT
    return factory(service, region_name=region, config=config)
