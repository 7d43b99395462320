"""The per-region write fence: `/dr/<env>/regional/writes-enabled`, honoured by the API handler.

The region that is not serving stays fenced ("false") until failback opens it again, so a
primary that recovers behind the operator's back cannot take writes into the global table.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from shared.ops.clients import AwsClients

OPEN, FENCED = "true", "false"


def fence_value(clients: AwsClients, region: str, name: str) -> str | None:
    try:
        return str(clients.ssm(region).get_parameter(Name=name)["Parameter"]["Value"])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise


def set_fence(clients: AwsClients, region: str, name: str, value: str) -> None:
    clients.ssm(region).put_parameter(Name=name, Value=value, Type="String", Overwrite=True)


def by_hand(region: str, name: str, value: str) -> str:
    return f"aws ssm put-parameter --region {region} --name {name} --value {value} --overwrite"
