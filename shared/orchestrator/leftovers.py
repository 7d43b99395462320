"""Before a layer that owns a VPC is destroyed: remove what AWS created in it by itself.

destroy-all reaches a network layer only after global-traffic is destroyed (the graph, reversed),
so by then the accelerator's endpoint groups are gone and its interfaces are going; this waits
for them and deletes the group Global Accelerator leaves (shared/ops/maintenance/leftovers.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from shared.contracts import contract
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import OpsError
from shared.ops.maintenance.leftovers import remove_accelerator_leftovers
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.outputs import read_outputs
from shared.orchestrator.pulumi_cli import PulumiCli


def owns_vpc(layer: str) -> bool:
    return "vpc_id" in contract(layer).output_names


def clean_before_destroy(cli: PulumiCli, layer: str, environment: str,
                         report: Callable[[str], None], stop: threading.Event,
                         clients: AwsClients | None = None) -> None:
    """Remove Global Accelerator's leftovers from `layer`'s VPC, telling `report` each step."""
    if not owns_vpc(layer):
        return
    deployed = read_outputs(cli, layer, environment)
    vpc_id, region = deployed.get("vpc_id"), deployed.get("region")
    if not vpc_id or not region:
        report("no VPC in the stack's outputs: no Global Accelerator leftovers to remove")
        return
    ec2 = (clients or AwsClients()).client("ec2", str(region))
    try:
        remove_accelerator_leftovers(
            ec2, str(vpc_id), str(region),
            fix=f"run `invoke destroy --layer global-traffic --env {environment}`",
            report=report, sleep=stop.wait)
    except OpsError as error:
        raise OrchestratorError(f"layer {layer}: {error}") from None

