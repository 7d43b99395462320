"""boto3 clients per service and region, created once; tests hand in moto- or Stubber-backed ones."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from shared import aws_sdk

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config

# Global Accelerator's API endpoint exists only in us-west-2, whichever regions it serves.
GA_API_REGION = "us-west-2"
# Route 53 is global; its API endpoint is in us-east-1.
ROUTE53_API_REGION = "us-east-1"
# During a regional outage calls to that region must fail in seconds, not hang for minutes.
_CONFIG = {"connect_timeout": 5, "read_timeout": 30, "retries": {"mode": "standard", "max_attempts": 3}}
# Reads that only inform (Route 53's checker view, served from us-east-1; the contract mirror,
# read in both regions side by side) get one short try: a hanging region costs seconds.
# total_max_attempts counts the first try; max_attempts counts retries only (botocore/config.py).
_INFORMATIONAL = {"connect_timeout": 2, "read_timeout": 3,
                  "retries": {"mode": "standard", "total_max_attempts": 1}}
# The configs are made with the first clients (shared/aws_sdk.py: boto3 on first use).
_DEFAULT: Any = object()
INFORMATIONAL = "informational"


class AwsClients:
    def __init__(self, session: boto3.Session | None = None, config: Config | None = _DEFAULT,
                 informational: Config | None = _DEFAULT) -> None:
        """`config` None: botocore's own defaults (tests against moto)."""
        self._session = session or aws_sdk.session()
        self._config = aws_sdk.config(**_CONFIG) if config is _DEFAULT else config
        self._informational = (aws_sdk.config(**_INFORMATIONAL) if informational is _DEFAULT
                               else informational)
        self._clients: dict[tuple[str, str], Any] = {}
        # Steps run side by side, and a boto3 Session must not create clients concurrently.
        self._lock = threading.Lock()

    def client(self, service: str, region: str, config: Config | None = None, purpose: str = "") -> Any:
        """The client for `service` in `region`; one per `purpose` (its own timeouts), unless a
        test handed one in for the service and region."""
        key = (service, region)
        with self._lock:
            if key in self._clients:
                return self._clients[key]
            tagged = f"{service}#{purpose}" if purpose else service
            if (tagged, region) not in self._clients:
                self._clients[(tagged, region)] = self._session.client(service, region_name=region,
                                                                      config=config or self._config)
            return self._clients[(tagged, region)]

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

    def informational(self, service: str, region: str) -> Any:
        """A client with one short try, for reads whose absence only informs."""
        return self.client(service, region, self._informational, purpose=INFORMATIONAL)

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

    @property
    def mfa_serial(self) -> str | None:
        """The MFA device the credentials' profile names (`mfa_serial` in ~/.aws/config), if any."""
        serial = self._session._session.get_scoped_config().get("mfa_serial")
        return str(serial) if serial else None

    def assumed(self, role_arn: str, region: str, session_name: str,
                mfa: tuple[str, str] | None = None) -> AwsClients:
        """Clients acting as `role_arn`, assumed through `region`'s own STS endpoint (so an
        approval in us-east-2 does not depend on us-east-1). `mfa` (device serial, current code)
        for a role whose trust requires MFA: without it STS denies callers whose own credentials
        carry no MFA context (STS API reference, AssumeRole, TokenCode)."""
        sts = self._session.client("sts", region_name=region, config=self._config,
                                   endpoint_url=f"https://sts.{region}.amazonaws.com")
        extra = {"SerialNumber": mfa[0], "TokenCode": mfa[1]} if mfa else {}
        found = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64], **extra)["Credentials"]
        session = aws_sdk.session(aws_access_key_id=found["AccessKeyId"],
                                aws_secret_access_key=found["SecretAccessKey"],
                                aws_session_token=found["SessionToken"])
        return AwsClients(session, self._config, self._informational)

    def arc_region_switch(self, region: str) -> Any:
        """ARC Region switch's data plane in `region` (executions, approvals, evaluation)."""
        return self.client("arc-region-switch", region)
