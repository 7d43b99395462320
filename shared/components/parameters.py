"""RegionalParameters: the environment's SSM parameters, written in one region."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

ACTIVE_REGION = "active-region"
API_KEY = "api-key"
# Feature flags the application reads; DR operations may flip them at run time.
FEATURE_FLAGS = {"features/writes-enabled": "true", "features/maintenance-mode": "false"}


def parameter_prefix(environment: str) -> str:
    return f"/dr/{environment}/"


@dataclass
class RegionalParametersArgs:
    environment: str
    region: str
    kms_key_arn: pulumi.Input[str]
    active_region: str
    api_key: pulumi.Input[str]
    values: Mapping[str, pulumi.Input[str]]  # name under the prefix -> this region's value
    tags: dict[str, str] = field(default_factory=dict)


class RegionalParameters(pulumi.ComponentResource):
    """Owns one region's parameters under `/dr/<env>/`: that region's own values (endpoints,
    names), the feature flags, the API key as a SecureString under the region's key, and the
    active-region flag DR operations flip."""

    def __init__(self, name: str, args: RegionalParametersArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:RegionalParameters", name, None, opts)
        self.prefix = parameter_prefix(args.environment)
        plain = {**args.values, **FEATURE_FLAGS}
        for key, value in plain.items():
            self._parameter(name, args, key, value, "String")
        self._parameter(name, args, API_KEY, args.api_key, "SecureString",
                        key_id=args.kms_key_arn)
        # `invoke failover` flips this at run time: a later `up` must not flip it back.
        self.active_region = self._parameter(
            name, args, ACTIVE_REGION, args.active_region, "String", ignore=["insecureValue"])
        self.register_outputs({"prefix": self.prefix})

    def _parameter(self, name: str, args: RegionalParametersArgs, key: str,
                   value: pulumi.Input[str], kind: str, key_id: pulumi.Input[str] | None = None,
                   ignore: list[str] | None = None) -> aws.ssm.Parameter:
        # pulumi-aws treats `value` as secret whatever the type: plain values go in
        # `insecure_value` so state, diffs and plans show them; only SecureStrings are masked.
        secure = kind == "SecureString"
        return aws.ssm.Parameter(
            f"{name}-{key.replace('/', '-')}", name=f"{self.prefix}{key}", type=kind,
            value=value if secure else None, insecure_value=None if secure else value,
            key_id=key_id, tier="Standard", region=args.region, tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=ignore))
