"""recovery: the failover runbook as an ARC Region switch plan (not built yet: every output is
null, so `invoke failover` runs the client-side sequence)."""

from shared.contracts.recovery import RECOVERY
from shared.stack_io import export_outputs

export_outputs("recovery", dict.fromkeys(RECOVERY.output_names))
