"""boto3 clients, built once per execution environment and reused across invocations."""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from botocore.config import Config

# Request handlers must answer well inside the ALB/API Gateway timeouts: fail fast, no retries.
FAST = Config(connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1, "mode": "standard"})
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


def client(service: str, region: str | None = None, fast: bool = False) -> Any:
    """The service's client for `region` (default: the function's own)."""
    return _client(service, region or own_region(), fast)


@functools.cache
def _client(service: str, region: str, fast: bool) -> Any:
    # The stubs type boto3.client per literal service name; this factory serves several.
    factory: Any = boto3.client
    return factory(service, region_name=region, config=FAST if fast else PATIENT)
