"""A region outage as a test fixture.

While a `RegionOutage` is active, every boto3 client created (moto-backed, Stubber-wrapped or
plain) fails each request bound for a down region with `EndpointConnectionError`, before moto or
the Stubber can answer: what the caller sees when a region's endpoints stop answering and the
SDK's retries are spent. Where a request goes is decided as AWS routes it, not by the client's
`region_name` alone: Route 53, IAM and the other global control planes live in us-east-1, Global
Accelerator's API in us-west-2, and a global endpoint such as `sts.amazonaws.com` in us-east-1.

Regions can go down and come back in the middle of a test (`take_down`, `restore`); every
refused request is recorded, so a test can also prove that a path never tried the lost region.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import botocore.session
import pytest
from botocore.exceptions import EndpointConnectionError

# Services whose API has one home region whatever region a client names.
CONTROL_PLANE_REGIONS = {
    "route53": "us-east-1", "iam": "us-east-1", "cloudfront": "us-east-1",
    "organizations": "us-east-1", "globalaccelerator": "us-west-2",
    "route53-recovery-control-config": "us-west-2",
}
GLOBAL_ENDPOINT_REGION = "us-east-1"


@dataclass(frozen=True)
class RefusedCall:
    service: str
    operation: str
    region: str


def request_region(client: Any) -> str:
    """The region a request from `client` is served from."""
    service = client.meta.service_model.service_name
    if service in CONTROL_PLANE_REGIONS:
        return CONTROL_PLANE_REGIONS[service]
    host = urlparse(client.meta.endpoint_url).hostname or ""
    region: str = client.meta.region_name
    # A regional endpoint names its region (ssm.us-east-2.amazonaws.com); a global one does not.
    return region if region in host else GLOBAL_ENDPOINT_REGION


class RegionOutage:
    def __init__(self) -> None:
        self.down: set[str] = set()
        self.refused: list[RefusedCall] = []

    def take_down(self, *regions: str) -> None:
        self.down.update(regions)

    def restore(self, *regions: str) -> None:
        self.down.difference_update(regions)

    def refused_in(self, region: str) -> list[RefusedCall]:
        return [call for call in self.refused if call.region == region]

    def watch(self, client: Any) -> Any:
        """Make `client` subject to the outage (done for every client created while active)."""
        region = request_region(client)
        service = client.meta.service_model.service_name

        def refuse(model: Any, **_: Any) -> None:
            if region in self.down:
                self.refused.append(RefusedCall(service, model.name, region))
                raise EndpointConnectionError(endpoint_url=client.meta.endpoint_url)

        # First in line, so neither the Stubber's nor moto's handlers answer for a dead region.
        client.meta.events.register_first("before-call.*.*", refuse)
        return client


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Iterator[RegionOutage]:
    """A RegionOutage over every boto3 client the test creates; no region is down at first."""
    state = RegionOutage()
    create_client = botocore.session.Session.create_client

    def create_watched(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        return state.watch(create_client(self, *args, **kwargs))

    monkeypatch.setattr(botocore.session.Session, "create_client", create_watched)
    yield state


def path_without_pulumi(path: str) -> str:
    """`path` less every folder holding a `pulumi` executable."""
    return os.pathsep.join(entry for entry in path.split(os.pathsep)
                           if entry and not (Path(entry) / "pulumi").exists())


@pytest.fixture
def no_pulumi(monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH without any `pulumi` executable, as on the on-call engineer's break-glass laptop."""
    monkeypatch.setenv("PATH", path_without_pulumi(os.environ.get("PATH", "")))
