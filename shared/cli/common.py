"""What every task shares: bad input becomes a one-line error and a non-zero exit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from invoke.exceptions import Exit

from shared.contracts import LAYERS


def fail(message: str, code: int = 2) -> Exit:
    """An `Exit` invoke prints as one line on stderr, without a traceback."""
    return Exit(f"error: {message}", code=code)


def parse_overrides(pairs: Iterable[str]) -> dict[str, Any]:
    """`--set dr:key=value` pairs as stack config (values stay strings, as `pulumi config`)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.startswith("dr:") or len(key) <= 3:
            raise fail(f"--set expects dr:<key>=<value>, got {pair!r}")
        overrides[key] = value
    return overrides


def parse_layers(value: str | None, option: str = "--layer") -> list[str]:
    if not value:
        return []
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in LAYERS]
    if unknown:
        raise fail(f"{option}: unknown layer {unknown[0]!r}; choose from {', '.join(LAYERS)}")
    return names
