"""network-primary: the primary region's network, one instance of RegionalNetwork."""

from shared.components.network import RegionalNetwork, network_args
from shared.config import current_settings
from shared.stack_io import export_outputs

settings = current_settings()
network = RegionalNetwork("network-primary", network_args(settings, "primary"))
export_outputs("network-primary", network.contract_values())
