"""What AWS would answer, offline. `core` holds the machinery and generic shapes; each other
module of this package registers its area's resource types and invokes when imported."""

import importlib
import pkgutil

from shared.plan.fakes.core import ACCOUNT_ID, Fake, fake_call, is_global

# Every area module registers on import, so adding an area needs no edit here.
for _module in pkgutil.iter_modules(__path__):
    if _module.name != "core":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["ACCOUNT_ID", "Fake", "fake_call", "is_global"]
