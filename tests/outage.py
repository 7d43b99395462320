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
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
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


def watch_every_client(monkeypatch: pytest.MonkeyPatch, watch: Any, configure: Any = None) -> None:
    """Pass every boto3 client created from now on through `watch` (after `configure` adjusts
    its creation arguments, when given)."""
    create_client = botocore.session.Session.create_client

    def create_watched(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        if configure is not None:
            configure(kwargs)
        return watch(create_client(self, *args, **kwargs))

    monkeypatch.setattr(botocore.session.Session, "create_client", create_watched)


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Iterator[RegionOutage]:
    """A RegionOutage over every boto3 client the test creates; no region is down at first."""
    state = RegionOutage()
    watch_every_client(monkeypatch, state.watch)
    yield state


def path_without_pulumi(path: str) -> str:
    """`path` less every folder holding a `pulumi` executable."""
    return os.pathsep.join(entry for entry in path.split(os.pathsep)
                           if entry and not (Path(entry) / "pulumi").exists())


@pytest.fixture
def no_pulumi(monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH without any `pulumi` executable, as on the on-call engineer's break-glass laptop."""
    monkeypatch.setenv("PATH", path_without_pulumi(os.environ.get("PATH", "")))


# --- grey failure and brownout: a region whose endpoints answer, some of them with errors ---

@dataclass
class Degradation:
    """Calls matching (region, service, operation or "*") answer with `code` (HTTP `status`): a
    grey region (one service failing while its load balancer answers) or, with `every` > 1, a
    brownout in which one call in `every` is throttled."""

    region: str
    service: str
    operation: str = "*"
    code: str = "ThrottlingException"
    status: int = 400
    every: int = 1
    seen: int = 0
    failed: int = 0

    def applies(self, region: str, service: str, operation: str) -> bool:
        return (region, service) == (self.region, self.service) and self.operation in ("*", operation)

    def next_fails(self) -> bool:
        self.seen += 1
        fails = self.seen % self.every == 0
        self.failed += fails
        return fails


class DegradedRegions:
    """Service-level failures, answered as AWS answers them (an error body botocore parses into
    a ClientError), before moto or a Stubber sees the call."""

    def __init__(self) -> None:
        self.rules: list[Degradation] = []

    def fail(self, region: str, service: str, operation: str = "*", code: str = "ServiceUnavailable",
             status: int = 503) -> Degradation:
        rule = Degradation(region, service, operation, code, status)
        self.rules.append(rule)
        return rule

    def throttle(self, region: str, service: str, every: int = 2, operation: str = "*") -> Degradation:
        rule = Degradation(region, service, operation, "ThrottlingException", 400, every)
        self.rules.append(rule)
        return rule

    def heal(self) -> None:
        self.rules.clear()

    def watch(self, client: Any) -> Any:
        region = request_region(client)
        service = client.meta.service_model.service_name

        def answer(model: Any, **_: Any) -> Any:
            for rule in self.rules:
                if rule.applies(region, service, model.name) and rule.next_fails():
                    http = AWSResponse(client.meta.endpoint_url, rule.status, {}, None)
                    return http, {"Error": {"Code": rule.code, "Message": f"{rule.code} (test world)"},
                                  "ResponseMetadata": {"HTTPStatusCode": rule.status}}
            return None

        client.meta.events.register_first("before-call.*.*", answer)
        return client


@pytest.fixture
def degraded(monkeypatch: pytest.MonkeyPatch) -> Iterator[DegradedRegions]:
    """Grey and brownout worlds over every boto3 client the test creates; nothing degraded at first."""
    state = DegradedRegions()
    watch_every_client(monkeypatch, state.watch)
    yield state


# --- the global table's replication, and the return of a region it could not reach ---

_UNWATCHED_CREATE_CLIENT = botocore.session.Session.create_client


class GlobalTableReplication:
    """DynamoDB global table replication between moto's per-region tables of one name: every
    successful PutItem in one replica reaches the others at once while their region is up, and
    waits while it is down (`paused`, e.g. an outage's `down` set) until `catch_up()`: what AWS
    documents for a replica that was isolated and returns to health
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html).
    Replication is AWS's own path: it is never refused by the test's outage."""

    def __init__(self, table: str, regions: tuple[str, ...], keys: tuple[str, ...] = ()) -> None:
        # `keys`: replicate only items whose pk starts with one of these (all when empty), for
        # tests that model the replication of their own items step by step.
        self.table, self.regions, self.keys = table, regions, keys
        self.paused: set[str] = set()
        self.lagging: set[str] = set()  # regions that answer but whose replica receives nothing yet
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self._replicas: dict[str, Any] = {}

    def replica(self, region: str) -> Any:
        if region not in self._replicas:
            session = botocore.session.get_session()
            self._replicas[region] = _UNWATCHED_CREATE_CLIENT(session, "dynamodb", region_name=region)
        return self._replicas[region]

    def catch_up(self, *regions: str) -> None:
        """The returning replicas receive what was written while they were away."""
        waiting, self.pending = self.pending, []
        for region, item in waiting:
            if region in regions and region not in self.paused:
                self.replica(region).put_item(TableName=self.table, Item=item)
            else:
                self.pending.append((region, item))

    def watch(self, client: Any) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return client
        origin = client.meta.region_name

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["replicated_item"] = params

        def replicate(http_response: Any, context: dict[str, Any], **_: Any) -> None:
            params = context.get("replicated_item", {})
            if http_response.status_code >= 300 or params.get("TableName") != self.table:
                return
            key = str(params.get("Item", {}).get("pk", {}).get("S", ""))
            if self.keys and not key.startswith(self.keys):
                return
            for region in self.regions:
                if region == origin:
                    continue
                if region in self.paused or region in self.lagging or origin in self.paused:
                    self.pending.append((region, params["Item"]))
                else:
                    self.replica(region).put_item(TableName=self.table, Item=params["Item"])

        client.meta.events.register("before-parameter-build.dynamodb.PutItem", remember)
        client.meta.events.register("after-call.dynamodb.PutItem", replicate)
        return client


def replicate_table(monkeypatch: pytest.MonkeyPatch, table: str, regions: tuple[str, ...],
                    keys: tuple[str, ...] = ()) -> GlobalTableReplication:
    """Global table replication over every boto3 client created from now on."""
    replication = GlobalTableReplication(table, regions, keys)
    watch_every_client(monkeypatch, replication.watch)
    return replication


# --- hanging endpoints: a region whose endpoints accept connections and never answer ---

class HangingRegions:
    """Requests bound for a hanging region are sent, for real, to a loopback socket that accepts
    and never answers, so each client's own connect/read timeouts and retries decide how long a
    call takes, as they would against a region that neither answers nor refuses. Timeouts are
    divided by `scale` so a test takes seconds; the code paths are the real ones."""

    def __init__(self, scale: float = 100.0) -> None:
        self.scale = scale
        self.hanging: set[str] = set()
        self.sent: list[tuple[str, str]] = []  # (region, operation) of every request held
        self._server = socket.create_server(("127.0.0.1", 0))
        self._accepted: list[socket.socket] = []
        self._closing = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self._accepted.append(connection)  # held open, never read from or answered

    def close(self) -> None:
        self._closing.set()
        self._server.close()
        for connection in self._accepted:
            connection.close()

    def scaled(self, config: Any) -> Any:
        connect = (getattr(config, "connect_timeout", None) or 60) / self.scale
        read = (getattr(config, "read_timeout", None) or 60) / self.scale
        return (config or Config()).merge(Config(connect_timeout=connect, read_timeout=read))

    def watch(self, client: Any) -> Any:
        region = request_region(client)

        def divert(request: Any, **_: Any) -> None:
            # By the client's region, or by the URL's when a request was redirected to another
            # region (S3's region redirector resends to the bucket's regional endpoint).
            if region in self.hanging or any(f".{lost}." in urlparse(request.url).netloc
                                             for lost in self.hanging):
                target = request.headers.get("X-Amz-Target", b"?")  # JSON protocols name the operation
                self.sent.append((region, (target.decode() if isinstance(target, bytes) else target)))
                parsed = urlparse(request.url)
                request.url = self.url + (parsed.path or "/") + (f"?{parsed.query}" if parsed.query else "")

        # First in line: before moto's own before-send handler answers for the region.
        client.meta.events.register_first("before-send.*.*", divert)
        return client


@pytest.fixture
def hanging(monkeypatch: pytest.MonkeyPatch) -> Iterator[HangingRegions]:
    """Hanging regions over every boto3 client the test creates (timeouts scaled down)."""
    state = HangingRegions()
    watch_every_client(monkeypatch, state.watch,
                       lambda kwargs: kwargs.update(config=state.scaled(kwargs.get("config"))))
    yield state
    state.close()
