"""Guards in front of destructive runs: protected environments and a confirmation prompt."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

from shared.orchestrator.errors import OrchestratorError, Refused
from shared.settings import Settings

Ask = Callable[[str], str]


def refuse_protected(environment: str, settings: Mapping[str, Settings], allow_data_loss: bool) -> None:
    """A protected environment (dr:protectData true) is never destroyed by accident, even with --yes."""
    protected = [layer for layer, value in settings.items() if value.protect_data]
    if protected and not allow_data_loss:
        raise Refused(
            f"environment {environment} protects its data (dr:protectData is true for "
            f"{', '.join(protected)}): nothing destroyed; add --allow-data-loss as well if you "
            "really mean to delete it"
        )


def confirm(question: str, expected: str, yes: bool, ask: Ask | None = None,
            interactive: bool | None = None) -> None:
    """Unless --yes, ask the person to type `expected`; without a terminal, demand --yes."""
    if yes:
        return
    if ask is None:
        if not (sys.stdin.isatty() if interactive is None else interactive):
            raise OrchestratorError("no terminal to confirm on: pass --yes to run non-interactively")
        ask = input
    answer = ask(f"{question}\nType {expected!r} to continue: ").strip()
    if answer != expected:
        raise Refused(f"not confirmed (expected {expected!r}): nothing was changed")
