"""What every task shares: exit codes, short flags, bad input as a one-line error, and Ctrl-C as
one line and exit 130."""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import invoke
from invoke.exceptions import Exit

from shared.contracts import LAYERS

if TYPE_CHECKING:
    from shared.ops.aws.clients import AwsClients
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
    """invoke's Task with the short flags of SHORT_FLAGS instead of derived ones, and a Ctrl-C
    that reaches the end of a task as one line and exit 130 (invoke itself exits 1 without a word).

    Tasks that must undo or report something on Ctrl-C (deploy-all's graceful cancel, the
    failover lock's release, the drill flag's restore) do it inside their body, so by the time
    the KeyboardInterrupt gets here what was running has been stopped."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except KeyboardInterrupt:
            raise fail(f"{self.name.replace('_', '-')} interrupted (Ctrl-C)", code=EXIT_INTERRUPTED) from None

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


# Read-only tasks look at this environment when --env is not given, and say so; tasks that move
# traffic or data, or create or destroy resources, have no default (require_env).
DEFAULT_ENV = "dev"
ENV_HELP = "environment (the Pulumi stack name), e.g. dev or prod"
REQUIRED_ENV_HELP = ENV_HELP + "; required: this task changes what is deployed"


def read_env(env: str) -> str:
    """The environment of a read-only task: --env, else the default, named on stderr."""
    if env:
        return env
    print(f"environment: {DEFAULT_ENV} (the default; choose another with --env)", file=sys.stderr)
    return DEFAULT_ENV


def require_env(env: str, task_name: str) -> str:
    """The environment of a task that changes a deployment: never a default, so an on-call engineer
    who forgets --env cannot fail over or destroy dev believing it was prod."""
    if not env:
        raise fail(f"invoke {task_name} changes a deployed environment: name it with --env, "
                   f"e.g. invoke {task_name} --env prod")
    return env


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
    """The named layers; [] when the option was not given (None). Given but empty (`--layer ''`) is
    refused: it would otherwise select every layer, the opposite of what was asked."""
    if value is None:
        return []
    names = [name.strip() for name in value.split(",") if name.strip()]
    if not names:
        raise fail(f"{option} {value!r} names no layer; give one or more of {', '.join(LAYERS)}, "
                   f"or leave {option} out for all of them")
    unknown = [name for name in names if name not in LAYERS]
    if unknown:
        raise fail(f"{option}: unknown layer {unknown[0]!r}; choose from {', '.join(LAYERS)}")
    return names


@contextlib.contextmanager
def exit_on_interrupt(what: str, cleanups: list[Callable[[], None]]) -> Iterator[None]:
    """While inside: SIGINT runs `cleanups` (appended to as things start), prints one line and
    exits 130 at once, without unwinding through Pulumi's runtime.

    The offline plan runs each layer program on an asyncio loop with worker threads; a
    KeyboardInterrupt raised in the middle of that can be swallowed by a task, leave a thread that
    keeps the interpreter alive, or reach invoke, which exits 1 without a word. The offline tasks
    change nothing outside their own process (--out is written last), so the honest answer to
    Ctrl-C is to clean up what they started and leave immediately. Nested, the outer handler
    (which knows more to clean up) stays; off the main thread there is no signal to handle."""
    if threading.current_thread() is not threading.main_thread() or getattr(
            signal.getsignal(signal.SIGINT), "exits_on_interrupt", False):
        yield
        return

    owner = os.getpid()

    def stop(signum: int, frame: object) -> None:
        if os.getpid() != owner:  # a forked planning worker (a terminal signals them all): quietly
            os._exit(EXIT_INTERRUPTED)
        for worker in multiprocessing.active_children():  # they would outlive us, holding stderr
            worker.kill()
        for cleanup in cleanups:
            with contextlib.suppress(Exception):  # leaving anyway; the line below says what stopped
                cleanup()
        sys.stderr.write(f"error: {what} interrupted (Ctrl-C); nothing was written\n")
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    stop.exits_on_interrupt = True  # type: ignore[attr-defined]
    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def offline_plan(environment: str, overrides: dict[str, Any], layers: list[str] | None = None,
                 cached: bool = False, progress: Callable[[str], None] | None = None) -> Plan:
    """The offline plan for a task: bad settings exit as usage errors, a failing program as a failure."""
    from shared.plan.plan import build_plan
    from shared.plan.process import few_collections, skip_final_collection
    from shared.plan.runtime import LayerFailed
    from shared.settings import SettingsError

    skip_final_collection()
    try:
        with exit_on_interrupt(f"planning {environment}", []), few_collections():
            return build_plan(environment, overrides, layers, cached=cached, progress=progress,
                              workers=os.cpu_count() or 1)
    except SettingsError as error:
        raise fail(str(error)) from None
    except LayerFailed as error:
        raise fail(f"layer {error.layer} failed: {error}" if error.layer else str(error),
                   code=EXIT_FAILED) from None


def aws_clients() -> AwsClients:
    """AWS clients for a task that reads or changes the deployment, or one line saying why not:
    a profile name that does not exist, or no credentials at all (every region would only fail)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    from shared.ops.aws.clients import AwsClients

    try:
        session = boto3.Session()
        found = session.get_credentials()
    except ProfileNotFound as error:
        raise fail(f"AWS profile {error.kwargs.get('profile')!r} (AWS_PROFILE) is not configured; "
                   "`aws configure list-profiles` lists those that are, or unset AWS_PROFILE") from None
    except BotoCoreError as error:
        raise fail(f"AWS credentials unusable: {' '.join(str(error).split())}") from None
    if found is None:
        raise fail("no AWS credentials found (none in the environment, ~/.aws or an SSO login): "
                   "`aws sso login` or export AWS_PROFILE, then rerun")
    return AwsClients(session)
