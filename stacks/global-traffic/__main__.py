"""global-traffic: reads its upstream contract; it builds nothing yet."""

from shared.config import current_settings
from shared.stack_io import Upstream

settings = current_settings()
upstream = Upstream("global-traffic")
networks = [upstream.outputs(f"network-{role}") for role in ("primary", "secondary")]
