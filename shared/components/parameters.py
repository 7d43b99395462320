"""RegionalParameters: the environment's SSM parameters, written in one region.

Two prefixes, so the compute layer's replicator can copy one without clobbering the other:
`/dr/<env>/shared/` holds what is the same in both regions (active region, API key, feature
flags) and is replicated; `/dr/<env>/regional/` holds this region's own values (endpoints,
names, ARNs of this region's copies, the write fence, the drill flag) and is never replicated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

ACTIVE_REGION = "active-region"
API_KEY = "api-key"
# Per-region write fence: "true" or "false". Operations flip it in the region they fence.
WRITES_ENABLED = "writes-enabled"
# Per-region outage-drill impairment, read only by the health function (handlers/drill.py): "true"
# makes that region's health answer 503. Not created here: `invoke drill --kind outage` writes it
# and a missing one means not impaired.
DRILL_IMPAIRED = "drill/impaired"
# Feature flags the application reads; operators flip them at run time.
FEATURE_FLAGS = {"features/maintenance-mode": "false"}
# Values operations own once deployed: a later `up` must not turn them back.
OPERATOR_OWNED = ("insecureValue",)


def shared_prefix(environment: str) -> str:
    """Replicated between the regions by the compute layer's parameter replicator."""
    return f"/dr/{environment}/shared/"


def regional_prefix(environment: str) -> str:
    """Never replicated: each region's own values."""
    return f"/dr/{environment}/regional/"


@dataclass
class RegionalParametersArgs:
    environment: str
    region: str
    kms_key_arn: pulumi.Input[str]
    active_region: str
    api_key: pulumi.Input[str]
    values: Mapping[str, pulumi.Input[str]]  # name under the regional prefix -> this region's value
    tags: dict[str, str] = field(default_factory=dict)
    # dr:protectData: the fence, the active-region authority and the API key outlive a destroy
    # (operations own their values; clients hold the key) and a plain `pulumi destroy` refuses.
    protect: bool = False


class RegionalParameters(pulumi.ComponentResource):
    """Owns one region's parameters: under the shared prefix the active-region flag, the API
    key (a SecureString under this region's key) and the feature flags, the same values in
    both regions; under the regional prefix this region's own values and its write fence."""

    def __init__(self, name: str, args: RegionalParametersArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:RegionalParameters", name, None, opts)
        self.prefix = shared_prefix(args.environment)
        self.regional_prefix = regional_prefix(args.environment)
        for key, value in args.values.items():
            self._parameter(name, args, self.regional_prefix + key, value)
        # Created open in both regions; failover closes the source's fence and later `up`s keep it.
        kept = args.protect
        self._parameter(name, args, self.regional_prefix + WRITES_ENABLED, "true", ignore=OPERATOR_OWNED,
                        kept=kept)
        for key, value in FEATURE_FLAGS.items():
            self._parameter(name, args, self.prefix + key, value, ignore=OPERATOR_OWNED)
        self._parameter(name, args, self.prefix + API_KEY, args.api_key, key_id=args.kms_key_arn, kept=kept)
        # `invoke failover` flips this at run time: a later `up` must not flip it back.
        self.active_region = self._parameter(
            name, args, self.prefix + ACTIVE_REGION, args.active_region, ignore=OPERATOR_OWNED, kept=kept)
        self.register_outputs({"prefix": self.prefix, "regional_prefix": self.regional_prefix})

    def _parameter(self, name: str, args: RegionalParametersArgs, path: str,
                   value: pulumi.Input[str], key_id: pulumi.Input[str] | None = None,
                   ignore: tuple[str, ...] = (), kept: bool = False) -> aws.ssm.Parameter:
        # pulumi-aws treats `value` as secret whatever the type: plain values go in
        # `insecure_value` so state, diffs and plans show them; only SecureStrings are masked.
        secure = key_id is not None
        logical = path.removeprefix(f"/dr/{args.environment}/").replace("/", "-")
        # A shared value this layer adds later reaches the other region through the compute
        # layer's replicator, often before this deploy creates it there: without overwrite the
        # create fails with ParameterAlreadyExists, on every retry. Regional values are never
        # copied, so they keep the provider's refusal to adopt a parameter it did not create, and
        # so does the active-region flag: created with the environment, and one a re-created
        # resource must never overwrite after a failover.
        return aws.ssm.Parameter(
            f"{name}-{logical}", name=path, type="SecureString" if secure else "String",
            value=value if secure else None, insecure_value=None if secure else value,
            key_id=key_id, tier="Standard", region=args.region, tags=args.tags,
            overwrite=True if path.startswith(self.prefix) and not path.endswith(ACTIVE_REGION)
            else None,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=list(ignore) or None,
                                        retain_on_delete=kept, protect=kept))
