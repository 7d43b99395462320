"""Every layer's published outputs and the upstream keys it reads: the system's one contract.

The layer graph (deploy order, parallel waves, destroy order, the plan) is derived from
`consumes`, so it cannot drift from what the layer programs actually read: the upstream
helper refuses a key a layer has not declared here.
"""

from shared.contracts.base import LayerContract, OutputSpec
from shared.contracts.compute import COMPUTE
from shared.contracts.data import DATA
from shared.contracts.global_traffic import GLOBAL_TRAFFIC
from shared.contracts.monitoring import MONITORING
from shared.contracts.network import NETWORK_PRIMARY, NETWORK_SECONDARY
from shared.contracts.recovery import RECOVERY

LAYERS: dict[str, LayerContract] = {
    contract.name: contract
    for contract in (NETWORK_PRIMARY, NETWORK_SECONDARY, GLOBAL_TRAFFIC, DATA, COMPUTE, MONITORING,
                     RECOVERY)
}


class ContractError(LookupError):
    """A layer read or exported something its contract does not declare."""


def contract(layer: str) -> LayerContract:
    try:
        return LAYERS[layer]
    except KeyError:
        known = ", ".join(LAYERS)
        raise ContractError(f"unknown layer {layer!r}; known layers: {known}") from None


__all__ = ["LAYERS", "ContractError", "LayerContract", "OutputSpec", "contract"]
