"""Where each layer's AWS provider is homed, and how a run re-homes it when a region is down.

Every layer uses Pulumi's default `aws` provider; every regional resource names its own
`region` (pulumi-aws 7 "enhanced region support"), so the provider's home region decides only
where the provider itself talks to AWS: STS at configure (credentials and the account id, in
`aws:stsRegion`, else `aws:region`) and the `get_caller_identity` invoke. A layer that lives in
the secondary region is homed there (stacks/network-secondary/Pulumi.yaml), so nothing about it
needs the primary; the two-region layers are homed in the primary and `--region-down` re-homes
the provider of every layer it runs to the surviving region for that run only.

Why re-homing is safe on deployed stacks (checked against the provider source):
- pulumi-aws 7 dropped `ForcesProviderReplace` from the provider's `region` (v6 had it, which
  made a region change replace the provider and cascade-replace every resource): compare
  pulumi/pulumi-aws provider/resources.go `Config["region"]` at v6 (00ba5ea) with v7 (d273034),
  and pulumi/pulumi-aws#5656. The bridge's DiffConfig then reports an in-place provider update
  (pulumi-terraform-bridge pkg/tfbridge `configDiffer.forcesProviderReplace` defaults to false);
  `stsRegion` never forced a replacement.
- A resource's own `region` forces its replacement when it changes, and one left unset takes
  the provider's (pulumi-aws provider/region.go `applyRegion`; docs/enhanced-region-support.md
  "Changing the value of region will force resource replacement"). So re-homing is safe only
  while every region-aware resource names its region: `unhomed_resources` finds the ones that do
  not, and the plan tests and the degraded deploy refuse them.
- terraform-provider-aws internal/conns/config.go: the account id comes from STS through
  `awsbase.GetAwsAccountIDAndPartition` with `StsRegion`, so a home in the surviving region
  means no call to the lost one; the STS client behind `get_caller_identity` is built with
  `sts_region` too (internal/conns/awsclient.go). `skipRequestingAccountId` would avoid the
  call altogether but leaves ARNs the provider builds itself without an account: not used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from shared import config
from shared.settings import Settings, SettingsError

REGION, STS_REGION = "aws:region", "aws:stsRegion"
PROVIDER_KEYS = (REGION, STS_REGION)
# The layers that live in one region, and which; every other layer spans both and is homed in
# the primary (a layer's contract mirror writes to both regions wherever it lives).
HOME_ROLE = {"network-primary": "primary", "network-secondary": "secondary"}


def _aws_keys(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    block = document.get("config") if isinstance(document, Mapping) else None
    if not isinstance(block, Mapping):
        return {}
    values: dict[str, str] = {}
    for key, value in block.items():
        if str(key) in PROVIDER_KEYS:
            # Project files may write `aws:region: {value: us-east-2}`; stack files the bare value.
            values[str(key)] = str(value.get("value") if isinstance(value, Mapping) else value)
    return values


def provider_config(layer: str, environment: str) -> dict[str, str]:
    """The default provider's home as `pulumi up` configures it: the project's Pulumi.yaml, then
    the layer's stack file (stack config wins in Pulumi); `aws:stsRegion` defaults to the home."""
    values = {**_aws_keys(config.STACKS_DIR / layer / "Pulumi.yaml"),
              **_aws_keys(config.layer_file(layer, environment))}
    values.setdefault(STS_REGION, values.get(REGION, ""))
    return values


def expected_home(layer: str, settings: Settings) -> str:
    return settings.regional(HOME_ROLE.get(layer, "primary")).region


def check_home(layer: str, environment: str, settings: Settings) -> None:
    """A one-line error when the layer's provider is homed outside the region it lives in."""
    found = provider_config(layer, environment)
    want = expected_home(layer, settings)
    for key in PROVIDER_KEYS:
        if found.get(key) != want:
            role = HOME_ROLE.get(layer, "primary")
            raise SettingsError(
                f"stacks/{layer}: the AWS provider's {key} is {found.get(key) or 'unset'}, not "
                f"dr:{role}Region ({want}); set `{key}: {want}` under config: in "
                f"stacks/{layer}/Pulumi.{environment}.yaml", key)


def rehomed(region: str) -> dict[str, str]:
    """Provider config for a run from `region` alone: configure, STS and invokes stay there."""
    return {REGION: region, STS_REGION: region}


def unhomed_resources(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """URNs of regional AWS resources that take their region from the provider (a change of the
    provider's home would replace them)."""
    return [r["urn"] for r in resources
            if r.get("custom") and str(r.get("type", "")).startswith("aws:")
            and r.get("region") != "global" and not (r.get("inputs") or {}).get("region")]
