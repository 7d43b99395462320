"""What every task shares: exit codes, short flags, and bad input as a one-line error."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import invoke
from invoke.exceptions import Exit

from shared.contracts import LAYERS

if TYPE_CHECKING:
    from shared.plan.plan import Plan

# The exit codes of every task (docs/platform/deploy.md, "Exit codes", lists them); nothing else is used.
EXIT_FAILED = 1  # the work ran and did not succeed: a layer or step failed, guardrail violations
EXIT_USAGE = 2  # nothing was done: a bad option or setting, a missing prerequisite or deployment
EXIT_REFUSED = 3  # nothing was done: a safety check said no (protected data, unhealthy target, no)
EXIT_INTERRUPTED = 130  # Ctrl-C: what was running was stopped cleanly (128 + SIGINT)

# One meaning per short flag in every task; other options have long names only, so a short flag
# never changes meaning from one task to the next (invoke would derive them from each task's
# parameter order).
SHORT_FLAGS = {"env": "e", "layer": "l", "yes": "y"}


class Task(invoke.Task):
    """invoke's Task with the short flags of SHORT_FLAGS instead of derived ones."""

    def arg_opts(self, name: str, default: str, taken_names: set[str]) -> dict[str, Any]:
        self.auto_shortflags = False
        opts: dict[str, Any] = super().arg_opts(name, default, taken_names)
        if name in SHORT_FLAGS:
            opts["names"] = [*opts["names"], SHORT_FLAGS[name]]
        return opts


task = functools.partial(invoke.task, klass=Task)

# `--set` collects a list, for which invoke prints no value placeholder: the help starts with it.
SET_HELP = "dr:KEY=VALUE: override one setting for this run, e.g. --set dr:azCount=3 (repeatable)"


def fail(message: str, code: int = EXIT_USAGE) -> Exit:
    """An `Exit` invoke prints as one line on stderr, without a traceback."""
    return Exit(f"error: {message}", code=code)


def parse_overrides(pairs: Iterable[str]) -> dict[str, Any]:
    """`--set dr:key=value` pairs as stack config (values stay strings, as `pulumi config`)."""
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.startswith("dr:") or len(key) <= 3:
            stray = f"; {key!r} has no dr: prefix, write dr:{key}" if sep and ":" not in key else ""
            raise fail(f"--set expects dr:<key>=<value>, got {pair!r}{stray}")
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


def offline_plan(environment: str, overrides: dict[str, Any], layers: list[str] | None = None,
                 cached: bool = False, progress: Callable[[str], None] | None = None) -> Plan:
    """The offline plan for a task: bad settings exit as usage errors, a failing program as a failure."""
    from shared.plan.plan import build_plan
    from shared.plan.runtime import LayerFailed
    from shared.settings import SettingsError

    try:
        return build_plan(environment, overrides, layers, cached, progress)
    except SettingsError as error:
        raise fail(str(error)) from None
    except LayerFailed as error:
        raise fail(str(error), code=EXIT_FAILED) from None
