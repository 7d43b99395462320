"""The validated settings every layer reads: one frozen dataclass built from the merged config.

Every rule here raises `SettingsError` with a one-line message that names the `dr:` key and
says how to fix it, so `invoke plan`, `invoke deploy-all` and `pulumi up` all stop before
anything is built.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.naming import MAX_ENVIRONMENT_LENGTH
from shared.strategy import DEFAULT as DEFAULT_STRATEGY
from shared.strategy import STRATEGIES

# Regions where Aurora Global Database, DynamoDB global tables and S3 RTC are all available.
KNOWN_REGIONS = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1",
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1",
        "eu-south-1", "eu-south-2", "ap-south-1", "ap-south-2", "ap-northeast-1",
        "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ap-southeast-4", "ap-east-1", "sa-east-1", "me-south-1",
        "me-central-1", "af-south-1", "il-central-1",
    }
)
TRAFFIC_MODES = ("active-passive", "active-active")
_ENV_RE = re.compile(r"^[a-z][a-z0-9-]*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CERT_ARN_RE = re.compile(
    r"^arn:aws:acm:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:certificate/[0-9a-f-]{36}$"
)
_ZONE_RE = re.compile(r"^Z[A-Z0-9]{1,31}$")
MAX_VPC_PREFIX = 23
# A DR standby must be running when failover comes: 0 ACU turns on Aurora auto-pause, and a
# paused member resumes only on a connection, adding its resume time to the recovery.
MIN_STANDBY_ACU = 0.5
VPC_RANGES = tuple(ipaddress.IPv4Network(block) for block in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))


class SettingsError(ValueError):
    """A setting is wrong; the message names the key and the fix (`key`: the one at fault)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def _fail(key: str, problem: str, fix: str) -> SettingsError:
    return SettingsError(f"{key}: {problem}; {fix}", key)


def unknown_key(key: str) -> SettingsError:
    """A `dr:` key that is not in KEYS, with the closest known one."""
    close = difflib.get_close_matches(key, list(KEYS), n=1)
    hint = f"did you mean {close[0]}?" if close else "see docs/platform/settings.md"
    return _fail(key, "is not a known setting", hint)


# --- parsers: config values arrive typed from YAML or as strings from `pulumi config set` ---


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _fail(key, f"{value!r} is not a boolean", "use true or false")


def _as_number(key: str, value: Any, kind: type[int] | type[float]) -> float:
    if isinstance(value, bool):
        raise _fail(key, f"{value!r} is not a number", "give a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _fail(key, f"{value!r} is not a number", "give a number") from None
    if kind is int and not number.is_integer():
        raise _fail(key, f"{value!r} is not a whole number", "give a whole number")
    return number


def _int_in(low: int, high: int) -> Callable[[str, Any], int]:
    def parse(key: str, value: Any) -> int:
        number = int(_as_number(key, value, int))
        if not low <= number <= high:
            raise _fail(key, f"{number} is out of range", f"use a value from {low} to {high}")
        return number

    return parse


def _one_of(*choices: Any) -> Callable[[str, Any], Any]:
    def parse(key: str, value: Any) -> Any:
        candidate = value
        if isinstance(choices[0], int) and not isinstance(value, bool):
            try:
                candidate = int(_as_number(key, value, int))
            except SettingsError:
                candidate = value
        if candidate not in choices:
            allowed = " or ".join(str(c) for c in choices)
            raise _fail(key, f"{value!r} is not allowed", f"use {allowed}")
        return candidate

    return parse


def _acu(key: str, value: Any) -> float:
    number = _as_number(key, value, float)
    # Serverless v2 capacity moves in half-ACU steps between 0 and 256.
    if not 0 <= number <= 256 or (number * 2) != int(number * 2):
        raise _fail(key, f"{value!r} is not a valid Aurora capacity", "use 0 to 256 in steps of 0.5")
    return number


def _region(key: str, value: Any) -> str:
    region = str(value)
    if region not in KNOWN_REGIONS:
        close = difflib.get_close_matches(region, sorted(KNOWN_REGIONS), n=1)
        hint = f"did you mean {close[0]}?" if close else "use an AWS region code like us-east-1"
        raise _fail(key, f"unknown AWS region {region!r}", hint)
    return region


def _cidr(key: str, value: Any) -> ipaddress.IPv4Network:
    text = str(value)
    try:
        network = ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise _fail(key, f"{text!r} is not an IPv4 CIDR block", "use e.g. 10.10.0.0/16") from None
    if str(network) != text:
        raise _fail(key, f"{text!r} has host bits set", f"use {network}")
    # What CreateVpc takes: RFC 1918, the shared 100.64.0.0/10 space, or publicly routable
    # addresses (ipaddress's is_private would also admit loopback, link-local and other
    # special ranges AWS refuses, and refuse 100.64.0.0/10, which AWS accepts).
    public = network.is_global and not network.is_multicast
    if not (public or any(network.subnet_of(block) for block in VPC_RANGES)):
        raise _fail(key, f"{text} is a special-purpose range, not one for a VPC",
                    "use an RFC 1918 range (e.g. 10.10.0.0/16) or 100.64.0.0/10")
    # Subnets are carved 4 bits smaller than the VPC. A /24 gives /28 private subnets: 16
    # addresses, 5 reserved by AWS, 4 taken by the interface endpoints, 7 left where the
    # internal ALB needs 8 free (InvalidSubnet). A /23 leaves 23.
    if network.prefixlen < 16 or network.prefixlen > MAX_VPC_PREFIX:
        raise _fail(key, f"/{network.prefixlen} is outside what a VPC here can hold",
                    f"use a prefix from /16 to /{MAX_VPC_PREFIX} (a /24 leaves the internal ALB "
                    "too few free addresses per subnet)")
    return network


# The health path is an ALB listener rule's path pattern, at most 128 characters, where * and ?
# are wildcards (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
# aws-properties-elasticloadbalancingv2-listenerrule-pathpatternconfig.html), and a Route 53
# health check's ResourcePath (at most 255); API Gateway resource paths take these characters.
_PATH_RE = re.compile(r"/[A-Za-z0-9._~/-]{0,127}")


def _path(key: str, value: Any) -> str:
    text = str(value)
    if not text.startswith("/") or " " in text:
        raise _fail(key, f"{text[:40]!r} is not a URL path", "start it with / (e.g. /health)")
    if not _PATH_RE.fullmatch(text):
        shown = f"{text[:40]}... ({len(text)} characters)" if len(text) > 40 else repr(text)
        raise _fail(key, f"{shown} is not a usable health path: at most 128 characters (the ALB "
                    "rule's limit) of letters, digits and / . _ ~ -", "e.g. /health")
    return text


def _domain(key: str, value: Any) -> str:
    text = str(value).lower().rstrip(".")
    if not _DOMAIN_RE.match(text):
        raise _fail(key, f"{value!r} is not a domain name", "use e.g. api.example.com")
    return text


def _matching(pattern: re.Pattern[str], what: str, hint: str) -> Callable[[str, Any], str]:
    """A setting whose text must match `pattern`; refused as "<value> is not <what>; <hint>"."""
    def parse(key: str, value: Any) -> str:
        text = str(value)
        if not pattern.match(text):
            raise _fail(key, f"{text!r} is not {what}", hint)
        return text
    return parse


_certificate = _matching(_CERT_ARN_RE, "an ACM certificate ARN",
                         "use arn:aws:acm:<region>:<account>:certificate/<id>")


_PRINCIPAL_RE = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")


_principal = _matching(_PRINCIPAL_RE, "an IAM role or user ARN",
                       "use arn:aws:iam::<account>:role/<name> (the people who may approve a prod move)")


_zone = _matching(_ZONE_RE, "a Route 53 hosted zone ID", "use e.g. Z0123456789ABC")


_email = _matching(_EMAIL_RE, "an e-mail address", "use e.g. oncall@example.com")


def _tags(key: str, value: Any) -> dict[str, str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise _fail(key, f"{value!r} is not a map", 'give e.g. {"Team": "platform"}') from None
    if isinstance(value, Mapping) and "Environment" in value:
        # Every resource's Environment tag is the stack's name, which cost reports and the
        # guardrails key on; an override (or a null removing it) would be silently ignored, so it
        # is refused instead.
        shown = "null" if value["Environment"] is None else repr(value["Environment"])
        raise _fail(key, f"Environment: {shown} cannot be set, it is always the environment's name",
                    "remove Environment from dr:tags")
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) for k, v in value.items()
    ):
        raise _fail(key, "is not a map of tag names to values", "give e.g. {Team: platform}")
    return {k: str(v) for k, v in value.items()}


@dataclass(frozen=True)
class _Key:
    field: str
    parse: Callable[[str, Any], Any]
    required: bool = True


# The one table of `dr:` keys: config name -> dataclass field and parser.
KEYS: dict[str, _Key] = {
    "dr:primaryRegion": _Key("primary_region", _region),
    "dr:secondaryRegion": _Key("secondary_region", _region),
    "dr:primaryVpcCidr": _Key("primary_vpc_cidr", _cidr),
    "dr:secondaryVpcCidr": _Key("secondary_vpc_cidr", _cidr),
    "dr:azCount": _Key("az_count", _one_of(2, 3)),
    "dr:auroraMinAcu": _Key("aurora_min_acu", _acu),
    "dr:auroraMaxAcu": _Key("aurora_max_acu", _acu),
    "dr:auroraExtendedSupport": _Key("aurora_extended_support", _as_bool),
    # One region's range raised above the shared one (e.g. the new writer's during an outage),
    # deployable with `--region-down` without touching the other region's cluster.
    "dr:primaryAuroraMinAcu": _Key("primary_aurora_min_acu", _acu, required=False),
    "dr:primaryAuroraMaxAcu": _Key("primary_aurora_max_acu", _acu, required=False),
    "dr:secondaryAuroraMinAcu": _Key("secondary_aurora_min_acu", _acu, required=False),
    "dr:secondaryAuroraMaxAcu": _Key("secondary_aurora_max_acu", _acu, required=False),
    "dr:backupRetentionDays": _Key("backup_retention_days", _int_in(1, 36500)),
    "dr:protectData": _Key("protect_data", _as_bool),
    "dr:trafficMode": _Key("traffic_mode", _one_of(*TRAFFIC_MODES)),
    "dr:appPort": _Key("app_port", _int_in(1, 65535)),
    "dr:healthCheckPath": _Key("health_check_path", _path),
    # Route 53 cannot change a health check's interval after creation: 10 (fast) or 30 s.
    "dr:healthCheckIntervalSeconds": _Key("health_check_interval_seconds", _one_of(10, 30)),
    "dr:healthCheckFailureThreshold": _Key("health_check_failure_threshold", _int_in(1, 10)),
    "dr:logRetentionDays": _Key(
        "log_retention_days",
        _one_of(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                2192, 2557, 2922, 3288, 3653),
    ),
    "dr:replicationLagAlarmSeconds": _Key("replication_lag_alarm_seconds", _int_in(1, 3600)),
    "dr:lambdaErrorAlarmThreshold": _Key("lambda_error_alarm_threshold", _int_in(1, 10000)),
    # Percent of a door's requests answered with server errors (write-fence refusals excluded).
    "dr:api5xxAlarmThreshold": _Key("api_5xx_alarm_threshold", _int_in(1, 100)),
    # API Gateway's account quota is 10,000 requests/s and a burst of 5,000 per region.
    "dr:apiThrottleRateLimit": _Key("api_throttle_rate_limit", _int_in(1, 10000)),
    "dr:apiThrottleBurstLimit": _Key("api_throttle_burst_limit", _int_in(1, 5000)),
    # Lambda keeps 100 of a region's concurrency unreserved; the health function needs a few
    # (the NLB nodes, Route 53's checkers and people, each answered within a second).
    "dr:healthReservedConcurrency": _Key("health_reserved_concurrency", _int_in(4, 100)),
    # API Gateway's logging role is one setting per account and region: one environment owns it.
    "dr:apiGatewayAccountOwner": _Key("api_gateway_account_owner", _as_bool, required=False),
    # ARC Region switch (the recovery layer): the plan has a monthly price, so dev may go without.
    "dr:regionSwitchPlan": _Key("region_switch_plan", _as_bool),
    "dr:regionSwitchReports": _Key("region_switch_reports", _as_bool),
    "dr:recoveryTimeObjectiveMinutes": _Key("recovery_time_objective_minutes", _int_in(1, 1440)),
    # Who may assume the plan's approval role (with MFA); unset: the account's principals, with MFA.
    "dr:regionSwitchApprover": _Key("region_switch_approver", _principal, required=False),
    # What the secondary runs while it stands by (shared/strategy.py).
    "dr:strategy": _Key("strategy", _one_of(*STRATEGIES)),
    "dr:tags": _Key("tags", _tags),
    "dr:primaryDomain": _Key("primary_domain", _domain, required=False),
    "dr:secondaryDomain": _Key("secondary_domain", _domain, required=False),
    "dr:primaryCertificateArn": _Key("primary_certificate_arn", _certificate, required=False),
    "dr:secondaryCertificateArn": _Key("secondary_certificate_arn", _certificate, required=False),
    "dr:hostedZoneId": _Key("hosted_zone_id", _zone, required=False),
    "dr:failoverRecordName": _Key("failover_record_name", _domain, required=False),
    "dr:apiRecordName": _Key("api_record_name", _domain, required=False),
    "dr:alertEmail": _Key("alert_email", _email, required=False),
}


@dataclass(frozen=True)
class RegionalSettings:
    """What differs between the two regions, so components take one region's view."""

    role: str  # "primary" or "secondary"
    region: str
    vpc_cidr: ipaddress.IPv4Network
    domain: str | None
    certificate_arn: str | None


@dataclass(frozen=True)
class Settings:
    environment: str
    primary_region: str
    secondary_region: str
    primary_vpc_cidr: ipaddress.IPv4Network
    secondary_vpc_cidr: ipaddress.IPv4Network
    az_count: int
    aurora_min_acu: float
    aurora_max_acu: float
    aurora_extended_support: bool
    backup_retention_days: int
    protect_data: bool
    traffic_mode: str
    app_port: int
    health_check_path: str
    health_check_interval_seconds: int
    health_check_failure_threshold: int
    log_retention_days: int
    replication_lag_alarm_seconds: int
    lambda_error_alarm_threshold: int
    api_throttle_rate_limit: int
    api_throttle_burst_limit: int
    api_5xx_alarm_threshold: int
    health_reserved_concurrency: int
    region_switch_plan: bool
    region_switch_reports: bool
    recovery_time_objective_minutes: int
    tags: dict[str, str] = field(default_factory=dict)
    region_switch_approver: str | None = None
    strategy: str = DEFAULT_STRATEGY
    primary_domain: str | None = None
    secondary_domain: str | None = None
    primary_certificate_arn: str | None = None
    secondary_certificate_arn: str | None = None
    hosted_zone_id: str | None = None
    failover_record_name: str | None = None
    api_record_name: str | None = None
    alert_email: str | None = None
    api_gateway_account_owner: bool = False
    primary_aurora_min_acu: float | None = None
    primary_aurora_max_acu: float | None = None
    secondary_aurora_min_acu: float | None = None
    secondary_aurora_max_acu: float | None = None

    def __post_init__(self) -> None:
        check_environment(self.environment)
        if self.primary_region == self.secondary_region:
            raise _fail("dr:secondaryRegion", f"is the same region as dr:primaryRegion "
                        f"({self.primary_region})", "pick a different region to fail over to")
        if self.primary_vpc_cidr.overlaps(self.secondary_vpc_cidr):
            raise _fail("dr:secondaryVpcCidr", f"{self.secondary_vpc_cidr} overlaps "
                        f"dr:primaryVpcCidr {self.primary_vpc_cidr}",
                        f"VPC peering needs disjoint ranges, e.g. {self._free_block()}")
        if self.aurora_max_acu < 1:
            raise _fail("dr:auroraMaxAcu", f"{self.aurora_max_acu} is below Aurora's minimum "
                        "maximum capacity", "use at least 1.0")
        if self.aurora_min_acu < MIN_STANDBY_ACU:
            raise _fail("dr:auroraMinAcu", f"{self.aurora_min_acu} turns on Aurora auto-pause, "
                        "and a paused standby resumes only when failover connects to it",
                        f"use at least {MIN_STANDBY_ACU}")
        if self.aurora_min_acu > self.aurora_max_acu:
            raise _fail("dr:auroraMinAcu", f"{self.aurora_min_acu} is above dr:auroraMaxAcu "
                        f"({self.aurora_max_acu})", "lower it or raise dr:auroraMaxAcu")
        for role in ("primary", "secondary"):
            self._check_domain_pair(role)
            self._check_regional_capacity(role)
        self._check_entry_tls()
        self._check_failover_dns()

    def _free_block(self) -> ipaddress.IPv4Network:
        """The block of the secondary's size right after the primary's range."""
        start = int(self.primary_vpc_cidr.broadcast_address) + 1
        size = self.secondary_vpc_cidr.prefixlen
        return ipaddress.IPv4Network((start - start % 2 ** (32 - size), size))

    def _check_domain_pair(self, role: str) -> None:
        domain = getattr(self, f"{role}_domain")
        certificate = getattr(self, f"{role}_certificate_arn")
        region = getattr(self, f"{role}_region")
        domain_key, cert_key = f"dr:{role}Domain", f"dr:{role}CertificateArn"
        if domain and not certificate:
            raise _fail(domain_key, "is set without a certificate",
                        f"set {cert_key} to an ACM certificate in {region}")
        if certificate and not domain:
            raise _fail(cert_key, "is set without a domain", f"set {domain_key} or remove it")
        match = _CERT_ARN_RE.match(certificate or "")
        # A regional API Gateway custom domain needs its certificate in the same region.
        if match and match.group("region") != region:
            raise _fail(cert_key, f"is in {match.group('region')}, not {region}",
                        f"issue or import the certificate in {region}")

    def _check_entry_tls(self) -> None:
        # The accelerator forwards one port to both NLBs and the failover name answers from
        # either region, so the entry is HTTPS in both regions or in neither.
        if bool(self.primary_certificate_arn) != bool(self.secondary_certificate_arn):
            given, missing = (("primary", "secondary") if self.primary_certificate_arn
                              else ("secondary", "primary"))
            raise _fail(f"dr:{given}CertificateArn", f"is set without dr:{missing}CertificateArn; "
                        "the entry (accelerator, failover name) is HTTPS in both regions or neither",
                        f"set dr:{missing}Domain and dr:{missing}CertificateArn too, or remove it")
        if self.entry_tls and self.app_port == 80:
            raise _fail("dr:appPort", "is 80 while certificates are configured (the entry is HTTPS)",
                        "set dr:appPort: 443")

    @property
    def entry_tls(self) -> bool:
        """Whether the public entry (NLB -> ALB) terminates TLS at the ALB."""
        return bool(self.primary_certificate_arn and self.secondary_certificate_arn)

    @property
    def entry_protocol(self) -> str:
        """The ALB listener's protocol, which the NLB passes through as TCP."""
        return "HTTPS" if self.entry_tls else "HTTP"

    def _check_regional_capacity(self, role: str) -> None:
        # Raise-only: either cluster may be the writer after a failover, so each keeps at least
        # the shared range and a redeploy in the swapped state never lowers the serving writer.
        for bound in ("min", "max"):
            key, value = f"dr:{role}Aurora{bound.title()}Acu", getattr(self, f"{role}_aurora_{bound}_acu")
            shared = getattr(self, f"aurora_{bound}_acu")
            if value is not None and value < shared:
                raise _fail(key, f"{value} is below dr:aurora{bound.title()}Acu ({shared})",
                            "a region's own range only raises it (either cluster may be the writer): "
                            f"use at least {shared} or remove it")
        low, high = self.aurora_range(role)
        if low > high:
            raise _fail(f"dr:{role}AuroraMinAcu", f"{low} is above {role}'s maximum ({high})",
                        f"lower it or raise dr:{role}AuroraMaxAcu")

    def aurora_range(self, role: str) -> tuple[float, float]:
        """(min, max) ACU of the role's cluster: its own raise, else the shared range."""
        low = getattr(self, f"{role}_aurora_min_acu")
        high = getattr(self, f"{role}_aurora_max_acu")
        return (self.aurora_min_acu if low is None else low,
                self.aurora_max_acu if high is None else high)

    def _check_failover_dns(self) -> None:
        # Failover records need both the zone and the name inside it; one alone builds nothing.
        if self.hosted_zone_id and not self.failover_record_name:
            raise _fail("dr:hostedZoneId", "is set without dr:failoverRecordName",
                        "set dr:failoverRecordName to the failover name in that zone, e.g. app.example.com")
        if self.failover_record_name and not self.hosted_zone_id:
            raise _fail("dr:failoverRecordName", "is set without dr:hostedZoneId",
                        "set dr:hostedZoneId to the zone that holds it, or remove it")
        # The REST API's shared name fails over on the failover records' checks, and each
        # region serves it as a custom domain with its own certificate.
        if self.api_record_name and not (self.failover_record_name and self.entry_tls):
            raise _fail("dr:apiRecordName", "needs dr:hostedZoneId, dr:failoverRecordName and both "
                        "certificates", "set them (each certificate must cover this name too), or "
                        "remove it")

    def regional(self, role: str) -> RegionalSettings:
        if role not in ("primary", "secondary"):
            raise ValueError(f"unknown region role {role!r}")
        return RegionalSettings(
            role=role,
            region=getattr(self, f"{role}_region"),
            vpc_cidr=getattr(self, f"{role}_vpc_cidr"),
            domain=getattr(self, f"{role}_domain"),
            certificate_arn=getattr(self, f"{role}_certificate_arn"),
        )

    @property
    def resource_tags(self) -> dict[str, str]:
        """Tags on every taggable resource: the base set plus the environment."""
        return {**self.tags, "Environment": self.environment}

    def as_config(self) -> dict[str, Any]:
        """The validated values under their `dr:` keys, as a plan file records them."""
        values: dict[str, Any] = {}
        for key, spec in KEYS.items():
            value = getattr(self, spec.field)
            if value is not None:
                values[key] = str(value) if isinstance(value, ipaddress.IPv4Network) else value
        return values

    @property
    def regions(self) -> tuple[str, str]:
        return (self.primary_region, self.secondary_region)

    @property
    def domains_configured(self) -> bool:
        return bool(self.primary_domain or self.secondary_domain)

    @classmethod
    def from_config(cls, environment: str, config: Mapping[str, Any]) -> Settings:
        """Build settings from merged `dr:` config (YAML-typed or string values)."""
        check_environment(environment)
        unknown = sorted(k for k in config if k.startswith("dr:") and k not in KEYS)
        if unknown:
            raise unknown_key(unknown[0])
        values: dict[str, Any] = {}
        for key, spec in KEYS.items():
            raw = config.get(key)
            if raw is None or raw == "":
                if spec.required:
                    raise _fail(key, "is missing", "set it in Pulumi.base.yaml")
                continue
            values[spec.field] = spec.parse(key, raw)
        return cls(environment=environment, **values)


def check_environment(name: str) -> None:
    key = "environment"
    if not _ENV_RE.match(name) or name.endswith("-") or "--" in name:
        raise _fail(key, f"{name!r} is not a valid name (it suffixes S3 bucket and load balancer "
                    "names)", "use lowercase letters, digits and single hyphens, starting with a "
                    "letter, e.g. dev or prod")
    if len(name) > MAX_ENVIRONMENT_LENGTH:
        raise _fail(key, f"{name!r} is {len(name)} characters; load balancer and target group "
                    "names that end in it must stay within 32",
                    f"use at most {MAX_ENVIRONMENT_LENGTH} characters")
