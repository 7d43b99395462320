"""Reading the contract mirror (shared/contracts/mirror.py) with boto3: no Pulumi CLI, state or
passphrase, only credentials for the region read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from shared.contracts import LAYERS
from shared.contracts.mirror import MirrorValueError, decode, layer_prefix
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, one_line


def read_mirror(ssm: Any, environment: str, layers: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """`{layer: {output: value}}` as mirrored in the region of `ssm`, values decoded by the
    contract's declared types. A layer with no parameter there is absent; a parameter the
    contract no longer declares (left by an older deploy) is skipped. AWS errors propagate."""
    found: dict[str, dict[str, Any]] = {}
    paginator = ssm.get_paginator("get_parameters_by_path")
    for layer in layers or LAYERS:
        prefix = layer_prefix(environment, layer)
        declared = {spec.name: spec for spec in LAYERS[layer].outputs}
        values: dict[str, Any] = {}
        for page in paginator.paginate(Path=prefix, Recursive=False, WithDecryption=True):
            for parameter in page["Parameters"]:
                spec = declared.get(parameter["Name"][len(prefix):])
                if spec is not None:
                    values[spec.name] = decode(spec, parameter["Value"])
        if values:
            found[layer] = values
    return found


def mirrored_outputs(environment: str, region: str, layers: Sequence[str], clients: AwsClients) -> dict[
        str, dict[str, Any]]:
    """`invoke outputs --from-region`: the mirrored layers in `region` (a DR region of the
    environment); raises OpsError with one line on a region elsewhere or an unreadable mirror."""
    from shared.config import layer_settings

    dr_regions = layer_settings("data", environment).regions
    if region not in dr_regions:
        raise OpsError(f"--from-region {region} holds no contract mirror: choose one of the DR regions "
                       f"({', '.join(dr_regions)})")
    try:
        return read_mirror(clients.ssm(region), environment, layers or None)
    except (*AWS_ERRORS, MirrorValueError) as error:
        raise OpsError(f"the contract mirror in {region} is unreadable: {one_line(error)}") from None
