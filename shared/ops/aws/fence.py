"""The per-region compatibility flag `/dr/<env>/regional/writes-enabled`: the moves still set it
("false" in the region left, "true" where the writer is; both "true" after failback) for tools
that read it. No function decides anything from it: who writes is the authority record
(shared/ops/aws/authority.py, docs/architecture/authority.md).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from shared.ops.aws.clients import AwsClients

OPEN, FENCED = "true", "false"


def fence_value(clients: AwsClients, region: str, name: str, quick: bool = False) -> str | None:
    """The flag in `region`; `quick`: one short try, for a region that may be lost or hanging."""
    ssm = clients.informational("ssm", region) if quick else clients.ssm(region)
    try:
        return str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise


def set_fence(clients: AwsClients, region: str, name: str, value: str, quick: bool = False) -> None:
    ssm = clients.informational("ssm", region) if quick else clients.ssm(region)
    ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def by_hand(region: str, name: str, value: str) -> str:
    return f"aws ssm put-parameter --region {region} --name {name} --value {value} --overwrite"
