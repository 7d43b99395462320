"""Fake-AWS machinery: IDs, ARNs, DNS names and endpoints in AWS's own formats.

Deterministic (hashed from the URN) so two plans of the same settings are identical, and
shaped like the real thing so code that parses an ARN or a DNS name behaves as in AWS.
Types not listed get a generic `arn:aws:<service>:<region>:<account>:<kind>/<name>`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from shared.naming import region_code

ACCOUNT_ID = "123456789012"
# Global services: the plan records their region as "global".
GLOBAL_MODULES = frozenset({"globalaccelerator", "route53", "iam", "cloudfront", "organizations",
                            "arcregionswitch"})
# Canonical hosted zone IDs of load balancers per region (AWS publishes these).
NLB_ZONES = {"us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP",
             "us-west-2": "Z18D5FSROUN65G", "eu-west-1": "Z2IFOLAFXWLO4F"}
ALB_ZONES = {"us-east-1": "Z35SXDOTRQ7X7K", "us-east-2": "Z3AADJGX6KTTL2",
             "us-west-2": "Z1H1FL5HABSF5", "eu-west-1": "Z32O12XQLNTSW2"}
APIGW_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ",
               "us-west-2": "Z2OJLYMUO9EFXC", "eu-west-1": "ZLY8HYME6SFDD"}

# Module of the type token -> ARN service name, where they differ.
_SERVICES = {"lb": "elasticloadbalancing", "alb": "elasticloadbalancing",
             "cloudwatch": "cloudwatch", "apigateway": "apigateway", "cloudwatch/logGroup": "logs",
             "sfn": "states", "rds": "rds", "backup": "backup", "ssm": "ssm", "vpc": "ec2"}
# Type -> resource-ID prefix for EC2-style IDs.
_EC2_PREFIX = {
    "Vpc": "vpc", "Subnet": "subnet", "InternetGateway": "igw", "RouteTable": "rtb",
    "RouteTableAssociation": "rtbassoc", "SecurityGroup": "sg", "SecurityGroupIngressRule": "sgr",
    "SecurityGroupEgressRule": "sgr", "VpcEndpoint": "vpce", "FlowLog": "fl",
    "VpcPeeringConnection": "pcx", "NatGateway": "nat", "Eip": "eipalloc", "Route": "r",
    "NetworkAcl": "acl",
}


def digest(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def fake_uuid(seed: str) -> str:
    return str(uuid.UUID(hashlib.md5(seed.encode()).hexdigest()))


def module_of(token: str) -> str:
    """'aws:ec2/vpc:Vpc' -> 'ec2'."""
    parts = token.split(":")
    return parts[1].split("/")[0] if len(parts) == 3 else ""


def is_global(token: str) -> bool:
    return token.startswith("aws:") and module_of(token) in GLOBAL_MODULES


class Fake:
    """One resource's fake identity; `outputs()` adds what AWS computes to the inputs."""

    def __init__(self, token: str, logical: str, inputs: dict[str, Any], region: str,
                 seed: str) -> None:
        self.token, self.logical, self.inputs, self.region = token, logical, inputs, region
        self.seed = seed
        self.kind = token.rsplit(":", 1)[-1]
        self.module = module_of(token)
        self.service = _SERVICES.get(self.module, self.module)

    def hex(self, length: int = 17) -> str:
        return digest(self.seed, length)

    def physical_name(self) -> str:
        for key in ("name", "bucket", "clusterIdentifier", "identifier", "functionName",
                    "globalClusterIdentifier", "roleName", "topicName"):
            value = self.inputs.get(key)
            if isinstance(value, str) and value:
                return value
        # Pulumi's auto-naming: the logical name plus a random suffix.
        return f"{self.logical}-{self.hex(7)}"[:63]

    def arn(self, resource: str, *, regional: bool = True, account: bool = True) -> str:
        region = self.region if regional else ""
        owner = ACCOUNT_ID if account else ""
        return f"arn:aws:{self.service}:{region}:{owner}:{resource}"

    def outputs(self) -> tuple[str, dict[str, Any]]:
        name = self.physical_name()
        state: dict[str, Any] = {**self.inputs, "name": self.inputs.get("name", name)}
        builder = _BUILDERS.get(self.token)
        if builder:
            return builder(self, name, state)
        if self.module in ("ec2", "vpc") and self.kind in _EC2_PREFIX:
            resource_id = f"{_EC2_PREFIX[self.kind]}-{self.hex()}"
            state["arn"] = self.arn(f"{self.kind.lower()}/{resource_id}")
            return resource_id, state
        state["arn"] = self.arn(f"{self.kind[:1].lower() + self.kind[1:]}/{name}")
        return name, state


Builder = Callable[[Fake, str, dict[str, Any]], tuple[str, dict[str, Any]]]
_BUILDERS: dict[str, Builder] = {}


def builds(*tokens: str) -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        for token in tokens:
            _BUILDERS[token] = function
        return function

    return register


@builds("aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/user:User")
def _iam(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = fake.kind.lower()
    arn = f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{name}"
    state.update(arn=arn, uniqueId="AROA" + fake.hex(17).upper())
    return (arn if kind == "policy" else name), state


@builds("aws:cloudwatch/logGroup:LogGroup")
def _log_group(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    state["arn"] = f"arn:aws:logs:{fake.region}:{ACCOUNT_ID}:log-group:{name}"
    return name, state


@builds("pulumi:providers:aws")
def _provider(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return fake_uuid(fake.seed), {k: v for k, v in state.items() if k != "name"}


Answer = Callable[[dict[str, Any], str], dict[str, Any]]
_ANSWERS: dict[str, Answer] = {}


def answers(token: str) -> Callable[[Answer], Answer]:
    """Register the offline answer to a provider function (invoke) token."""
    def register(function: Answer) -> Answer:
        _ANSWERS[token] = function
        return function

    return register


def fake_call(token: str, args: dict[str, Any], default_region: str) -> dict[str, Any] | None:
    """Answers for the provider functions (invokes) the layers use; None when unknown."""
    answer = _ANSWERS.get(token)
    return answer(args, args.get("region") or default_region) if answer else None


# The offline world's Availability Zones: three per region unless a test says otherwise, and
# the zone IDs a test marks impaired. AWS keeps listing an impaired zone, with that state, and
# leaves it out only of a query for state "available".
ZONE_COUNTS: dict[str, int] = {}
IMPAIRED_ZONE_IDS: set[str] = set()


@answers("aws:index/getAvailabilityZones:getAvailabilityZones")
def _zones(args: dict[str, Any], region: str) -> dict[str, Any]:
    code = region_code(region)  # AWS's own zone-ID prefix: use1, use2, apse2, euw1
    # Names are shuffled per account in AWS: here us-east-1a is az2, so code that confuses a
    # zone's name with its ID picks the wrong one.
    zones = [(f"{code}-az{i + 1}", f"{region}{'bac'[i] if i < 3 else chr(97 + i)}")
             for i in range(ZONE_COUNTS.get(region, 3))]
    if args.get("state") == "available":
        zones = [(zone_id, name) for zone_id, name in zones if zone_id not in IMPAIRED_ZONE_IDS]
    return {"id": region, "names": [name for _, name in zones],
            "zoneIds": [zone_id for zone_id, _ in zones], "region": region}


@answers("aws:index/getCallerIdentity:getCallerIdentity")
def _identity(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"accountId": ACCOUNT_ID, "id": ACCOUNT_ID,
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/planner", "userId": "AIDAPLANNER"}


@answers("aws:index/getRegion:getRegion")
def _region(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": region, "name": region, "region": region,
            "endpoint": f"ec2.{region}.amazonaws.com", "description": region}


@answers("aws:index/getPartition:getPartition")
def _partition(args: dict[str, Any], region: str) -> dict[str, Any]:
    return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws"}
