"""network-secondary: the secondary region's network, one instance of RegionalNetwork."""

from shared.components.network import RegionalNetwork, network_args
from shared.config import current_settings
from shared.stack_io import export_outputs

settings = current_settings()
network = RegionalNetwork("network-secondary", network_args(settings, "secondary"))
export_outputs("network-secondary", network.contract_values())
