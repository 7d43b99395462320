"""boto3 clients per service and region, created once; tests hand in moto- or Stubber-backed ones."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

# Global Accelerator's API endpoint exists only in us-west-2, whichever regions it serves.
GA_API_REGION = "us-west-2"
# Route 53 is global; its API endpoint is in us-east-1.
ROUTE53_API_REGION = "us-east-1"
# During a regional outage calls to that region must fail in seconds, not hang for minutes.
_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})
# Reads that only inform (Route 53's checker view, served from us-east-1) get one short try.
_INFORMATIONAL = Config(connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 1})


class AwsClients:
    def __init__(self, session: boto3.Session | None = None, config: Config | None = _CONFIG,
                 informational: Config | None = _INFORMATIONAL) -> None:
        self._session = session or boto3.Session()
        self._config = config
        self._informational = informational
        self._clients: dict[tuple[str, str], Any] = {}
        # Steps run side by side, and a boto3 Session must not create clients concurrently.
        self._lock = threading.Lock()

    def client(self, service: str, region: str, config: Config | None = None) -> Any:
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._session.client(service, region_name=region,
                                                          config=config or self._config)
            return self._clients[key]

    @property
    def profile_region(self) -> str | None:
        """The region the credentials' profile (or AWS_REGION) names, if any."""
        region: str | None = self._session.region_name
        return region

    def use(self, service: str, region: str, client: Any) -> None:
        """Hand in a ready client (a test's Stubber-wrapped one) for `service` in `region`."""
        self._clients[(service, region)] = client

    def ssm(self, region: str) -> Any:
        return self.client("ssm", region)

    def rds(self, region: str) -> Any:
        return self.client("rds", region)

    def cloudwatch(self, region: str) -> Any:
        return self.client("cloudwatch", region)

    def dynamodb(self, region: str) -> Any:
        return self.client("dynamodb", region)

    def s3(self, region: str) -> Any:
        return self.client("s3", region)

    def route53(self) -> Any:
        return self.client("route53", ROUTE53_API_REGION, self._informational)

    def globalaccelerator(self) -> Any:
        return self.client("globalaccelerator", GA_API_REGION)

    def arc_region_switch(self, region: str) -> Any:
        """ARC Region switch's data plane in `region` (executions, approvals, evaluation)."""
        return self.client("arc-region-switch", region)
