"""RegionalApplication: the four functions of one region, the NLB -> ALB path to them and the
region's REST API. Each function's role grants only what its handler calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from shared.components.app_path import ApplicationPath, ApplicationPathArgs, LambdaRoute
from shared.components.functions import RegionalFunction, RegionalFunctionArgs, VpcPlacement
from shared.components.parameters import API_KEY, DRILL_IMPAIRED, regional_prefix
from shared.components.rest_api import CustomDomain, RegionalRestApi, RegionalRestApiArgs, Route
from shared.components.waf import RegionalFirewall, RegionalFirewallArgs

# The keys of the exported function maps; monitoring alarms on each (FUNCTION_ROLES there).
ROLES = ("health", "api", "parameter_replicator", "event_processor")
ITEM_PATH = ("items", "{id}")


@dataclass
class RegionSide:
    region: str
    kms_key_arn: pulumi.Input[str]
    db_host: pulumi.Input[str]
    network: dict[str, Any]  # this region's network-<role> outputs


@dataclass
class RegionalApplicationArgs:
    environment: str
    account_id: pulumi.Input[str]
    side: RegionSide
    peer: RegionSide
    table_name: pulumi.Input[str]
    parameter_prefix: pulumi.Input[str]
    active_region_parameter: pulumi.Input[str]
    db_port: pulumi.Input[int]
    port: int
    health_check_path: str
    log_retention_days: int
    throttle_rate_limit: int
    throttle_burst_limit: int
    health_reserved_concurrency: int
    api_key: pulumi.Input[str]  # the data layer's key: API Gateway's usage plan and the ALB door
    # The deployed primary: who writes before any move recorded an authority (handlers/authority.py).
    primary_region: str = ""
    domain: CustomDomain | None = None
    shared_domain: CustomDomain | None = None  # dr:apiRecordName, served in both regions
    # Route 53's health checkers' ranges: WAF lets them (and the VPC) reach the health path.
    route53_checker_cidrs: pulumi.Input[Sequence[str]] = ()
    # The ALB's certificate (HTTPS entry); None keeps the NLB -> ALB path plain HTTP.
    entry_certificate_arn: str | None = None
    owns_api_gateway_account: bool = False  # dr:apiGatewayAccountOwner
    tags: dict[str, str] = field(default_factory=dict)
    strategy: str = "hot-standby"  # dr:strategy: a pilot light's standby database is headless


class RegionalApplication(pulumi.ComponentResource):
    """Owns one region's functions (health, api, parameter_replicator, event_processor), its
    ApplicationPath and its RegionalRestApi."""

    def __init__(self, name: str, args: RegionalApplicationArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:compute:RegionalApplication", name, None, opts)
        side, peer, account = args.side, args.peer, args.account_id
        table = pulumi.Output.concat(
            f"arn:aws:dynamodb:{side.region}:", account, ":table/", args.table_name)
        # The outage drill's flag (handlers/drill.py): health alone reads it, to answer 503.
        drill_name = regional_prefix(args.environment) + DRILL_IMPAIRED
        drill = pulumi.Output.concat(f"arn:aws:ssm:{side.region}:", account, ":parameter", drill_name)
        # Every function decides "may I write" from the authority item in the table (authority.py).
        base = {"TABLE_NAME": args.table_name, "PRIMARY_REGION": args.primary_region or side.region}
        # The API key's SecureString (data layer, this region's CMK): the ALB door checks it.
        key_name = pulumi.Output.concat(args.parameter_prefix, API_KEY)
        key_parameter = pulumi.Output.concat(
            f"arn:aws:ssm:{side.region}:", account, ":parameter", key_name)
        in_vpc = VpcPlacement(side.network["private_subnet_ids"],
                              [side.network["app_security_group_id"]])
        self.functions = {
            "health": self._function(name, args, "health", "Answers whether this region can serve", [
                {"Effect": "Allow", "Action": ["dynamodb:DescribeTable", "dynamodb:GetItem"],
                 "Resource": table},
                {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": drill},
            ], {**base, "DB_HOST": side.db_host, "DRILL_IMPAIRED_PARAMETER": drill_name,
                "DR_STRATEGY": args.strategy,
                # Stack references carry numbers as floats: 5432.0 -> "5432".
                "DB_PORT": pulumi.Output.from_input(args.db_port).apply(lambda p: str(int(p)))},
                vpc=in_vpc, reserved_concurrency=args.health_reserved_concurrency),
            "api": self._function(name, args, "api", "Items API over the global table", [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                 "Resource": table},
                {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": key_parameter},
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": side.kms_key_arn},
            ], {**base, "API_KEY_PARAMETER": key_name}, vpc=in_vpc),
            # Outside the VPC: it writes to the other region's Parameter Store, which the
            # private subnets (endpoints of their own region only, no NAT) cannot reach.
            "parameter_replicator": self._function(
                name, args, "parameter_replicator", "Copies parameter changes to the other region",
                self._replicator_statements(args), {
                    **base, "PARAMETER_PREFIX": args.parameter_prefix, "PEER_REGION": peer.region,
                    "PEER_KMS_KEY_ARN": peer.kms_key_arn}, asynchronous=True),
            "event_processor": self._function(
                name, args, "event_processor", "Records the application bus's events", [
                    # GetItem: the authority record, so only the writing region records events.
                    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
                     "Resource": table},
                ], base, vpc=in_vpc, asynchronous=True),
        }
        health, api = self.functions["health"].function, self.functions["api"].function
        self.path = ApplicationPath(f"{name}-path", ApplicationPathArgs(
            args.environment, side.region, args.port, args.health_check_path,
            side.network["vpc_id"], side.network["private_subnet_ids"],
            side.network["app_security_group_id"], side.network["nlb_target_group_arn"],
            health=LambdaRoute("hlth", health.arn, health.name, args.health_check_path),
            api=LambdaRoute("app", api.arn, api.name),
            certificate_arn=args.entry_certificate_arn, tags=args.tags),
            opts=pulumi.ResourceOptions(parent=self))
        health_path = [p for p in args.health_check_path.split("/") if p]
        self.rest_api = RegionalRestApi(f"{name}-rest", RegionalRestApiArgs(
            args.environment, side.region, routes=[
                # Half the health function's concurrency at most: at about a second per answer,
                # public callers can never take what the NLB's and Route 53's checks need.
                Route(health_path, ["GET"], health.name, health.invoke_arn,
                      throttle=max(1, args.health_reserved_concurrency // 2)),
                Route(ITEM_PATH, ["GET", "PUT"], api.name, api.invoke_arn, api_key_required=True)],
            api_key=args.api_key,
            throttle_rate_limit=args.throttle_rate_limit,
            throttle_burst_limit=args.throttle_burst_limit, log_kms_key_arn=side.kms_key_arn,
            log_retention_days=args.log_retention_days, domain=args.domain,
            shared_domain=args.shared_domain,
            owns_account_setting=args.owns_api_gateway_account, tags=args.tags),
            opts=pulumi.ResourceOptions(parent=self))
        self.firewall = RegionalFirewall(f"{name}-waf", RegionalFirewallArgs(
            args.environment, side.region, args.health_check_path,
            checker_cidrs=pulumi.Output.all(side.network["vpc_cidr"], args.route53_checker_cidrs)
            .apply(lambda found: [found[0], *found[1]]),
            protected_arns=[self.path.alb.arn, self.rest_api.stage.arn], tags=args.tags),
            opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({"alb_arn": self.path.alb.arn, "api_id": self.rest_api.api.id})

    def _function(self, name: str, args: RegionalApplicationArgs, module: str, description: str,
                  statements: Sequence[dict[str, Any]], variables: dict[str, pulumi.Input[str]],
                  vpc: VpcPlacement | None = None, asynchronous: bool = False,
                  reserved_concurrency: int | None = None) -> RegionalFunction:
        return RegionalFunction(f"{name}-{module.replace('_', '-')}", RegionalFunctionArgs(
            args.environment, args.side.region, module, description, statements, variables,
            log_kms_key_arn=args.side.kms_key_arn, log_retention_days=args.log_retention_days,
            vpc=vpc, asynchronous=asynchronous, reserved_concurrency=reserved_concurrency,
            tags=args.tags),
            opts=pulumi.ResourceOptions(parent=self))

    @staticmethod
    def _replicator_statements(args: RegionalApplicationArgs) -> list[dict[str, Any]]:
        def parameters(region: str) -> pulumi.Output[str]:
            return pulumi.Output.concat(f"arn:aws:ssm:{region}:", args.account_id, ":parameter",
                                        args.parameter_prefix, "*")

        own, other = parameters(args.side.region), parameters(args.peer.region)
        return [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": [own, other]},
            {"Effect": "Allow", "Action": ["ssm:PutParameter", "ssm:DeleteParameter"],
             "Resource": other},
            # Reading SecureStrings here and in the peer, re-encrypting with the peer's key.
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
             "Resource": [args.side.kms_key_arn, args.peer.kms_key_arn]},
        ]
