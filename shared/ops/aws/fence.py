"""The per-region write fence: `/dr/<env>/regional/writes-enabled`, honoured by the API handler.

The region that is not serving stays fenced ("false") until failback opens it again, so a
primary that recovers behind the operator's back cannot take writes into the global table.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from botocore.exceptions import ClientError

from shared.config import HANDLERS_DIR
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import OpsError

OPEN, FENCED = "true", "false"
# The API handler is packaged alone and cannot import this package, so how long it caches the
# flag lives in its own module; read from the source, since importing it needs Lambda's layout.
HANDLER_FENCE_MODULE = HANDLERS_DIR / "fence.py"
HANDLER_CACHE_CONSTANT = "TTL_SECONDS"


@functools.cache
def handler_cache_seconds(module: Path = HANDLER_FENCE_MODULE) -> float:
    """How long the API may still take writes after its region's flag says fenced."""
    for node in ast.parse(module.read_text(encoding="utf-8")).body:
        names = [target.id for target in getattr(node, "targets", []) if isinstance(target, ast.Name)]
        if isinstance(node, ast.Assign) and HANDLER_CACHE_CONSTANT in names:
            return float(ast.literal_eval(node.value))
    raise OpsError(f"{module} sets no literal {HANDLER_CACHE_CONSTANT}: the failover cannot tell how long "
                   "a fenced region's API may still take writes; restore it as a number of seconds")


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
