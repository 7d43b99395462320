"""ContractMirror: a layer's published outputs as SSM parameters in both DR regions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from shared.contracts import LayerContract, OutputSpec
from shared.contracts.mirror import encode, is_raw, parameter_name


@dataclass
class ContractMirrorArgs:
    environment: str
    contract: LayerContract
    values: Mapping[str, pulumi.Input[Any]]  # output name -> the exported value
    regions: Sequence[str]
    tags: dict[str, str] = field(default_factory=dict)
    # The data layer's mirror in a protected environment: it describes stores a destroy keeps.
    keep: bool = False


class ContractMirror(pulumi.ComponentResource):
    """Owns one standard-tier parameter per declared output in each region, so the DR tools and
    app teams read the deployed contract from the surviving region without Pulumi.

    Parameters are written only when a value changes (a redeploy with the same outputs makes no
    PutParameter call), which keeps a deploy's burst well under Parameter Store's shared
    per-region throughput; the AWS provider retries a throttled write. Destroying a layer
    deletes its mirror, since a stale mirror would point failover at resources that are gone,
    except with `keep`: the data layer's mirror in a protected environment describes the stores
    a destroy keeps, and is what `invoke adopt` and a reader without Pulumi find them by.
    """

    def __init__(self, name: str, args: ContractMirrorArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:contract:ContractMirror", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, retain_on_delete=args.keep, protect=args.keep)
        layer = args.contract.name
        self.parameters: dict[tuple[str, str], aws.ssm.Parameter] = {}
        for region in args.regions:
            # Secret outputs (the API key) are not copied: operations never need one, and a
            # mirror that break-glass credentials must read without any layer's key could hold
            # it only under the AWS-managed key, beside its own SecureString under the data CMK.
            for spec in (s for s in args.contract.outputs if not s.secret):
                text = _encoded(spec, args.values[spec.name])
                encoding = "text" if is_raw(spec) else "JSON"
                path = parameter_name(args.environment, layer, spec.name)
                self.parameters[(region, spec.name)] = aws.ssm.Parameter(
                    f"{name}-{region}-{spec.name}", name=path,
                    description=f"{layer} output ({spec.type_label}, stored as {encoding}): "
                                f"{spec.description}",
                    # pulumi-aws treats `value` as secret whatever the type: the outputs go in
                    # `insecure_value` so plans and diffs show them.
                    type="String", insecure_value=text,
                    tier="Standard", region=region, tags={**args.tags, "Name": path, "dr:layer": layer},
                    opts=child)
        self.register_outputs({})


def _encoded(spec: OutputSpec, value: pulumi.Input[Any]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(value).apply(lambda resolved: encode(spec, resolved))
