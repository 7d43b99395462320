"""What AWS would answer, offline. `core` holds the machinery and generic shapes; each area
module registers the resource types and invokes of its layer (import order is irrelevant)."""

from shared.plan.fakes import monitoring  # noqa: F401  (registers builders)
from shared.plan.fakes import network  # noqa: F401  (registers builders)
from shared.plan.fakes.core import ACCOUNT_ID, Fake, fake_call, is_global

__all__ = ["ACCOUNT_ID", "Fake", "fake_call", "is_global"]
