"""How the offline plan spends its process: fewer collector passes, no source positions, and the
provider SDK's modules imported while the process would otherwise wait.

Measured on a fresh dev plan (docs/performance.md): at the default gen-0 threshold the cyclic
collector rescans a heap growing past 150 MB a few thousand times (about a third of the plan's
time), capturing each resource's Python stack for the engine's source positions another tenth,
and importing `pulumi_aws` modules (wafv2 alone 0.3 s) about half of the compute layer's time.
"""

from __future__ import annotations

import atexit
import gc
import re
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pulumi.runtime import resource as sdk_resource
from pulumi.runtime.proto import source_pb2

from shared.orchestrator.program_files import program_files

SDK = "pulumi_aws"
# Allocations between gen-0 passes while planning (CPython's default is 700). The SDK's objects
# live as long as the layer's run, so the default only rescans them; memory is unchanged (about
# 190 MB at the peak either way).
PLAN_GEN0_THRESHOLD = 50_000


@contextmanager
def few_collections() -> Iterator[None]:
    """Inside, the collector runs about 70 times less often; CPython's thresholds come back
    after (tests and long tasks such as `invoke prove` plan in-process). Forked workers inherit
    the raised threshold."""
    previous = gc.get_threshold()
    gc.set_threshold(PLAN_GEN0_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def skip_final_collection() -> None:
    """When this process exits, Python's shutdown would scan every object a plan left (half a
    second): freeze them first (atexit runs before that scan) and leave them to the operating
    system. Registered once however many plans the process makes; pool workers end with
    os._exit and never scan."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


_NO_TRACE = source_pb2.StackTrace()


@contextmanager
def no_source_positions() -> Iterator[None]:
    """The SDK captures the Python stack of every resource registration (and twice for a read)
    so the engine can point at the program line; the mock runtime has no engine to tell. If the
    SDK stops having the hook, the plan is only slower (tests/test_plan_process.py notices)."""
    capture = getattr(sdk_resource, "_get_stack_trace", None)
    if capture is None:
        yield
        return
    sdk_resource._get_stack_trace = lambda: _NO_TRACE
    try:
        yield
    finally:
        sdk_resource._get_stack_trace = capture


# `aws.<module>` as the programs write it (`import pulumi_aws as aws`), not `shared.ops.aws.x`
# or `docs.aws.amazon.com`: a name that is no pulumi_aws module is skipped by warm_while.
_SDK_ATTRIBUTE = re.compile(r"(?<![\w.])aws\.([a-z][a-z0-9_]*)")


def sdk_modules(layer: str, folder: Path, root: Path) -> list[str]:
    """The `pulumi_aws` modules the layer's program may use (`aws.<module>` in the files it
    loads), sorted. Read with a pattern, not parsed: this runs while a layer's turn may be
    waiting on it, and a name too many only costs a lookup."""
    found: set[str] = set()
    for _, path in program_files(layer, folder, root):
        if path.suffix == ".py" and path.is_file():
            found.update(_SDK_ATTRIBUTE.findall(path.read_text(encoding="utf-8")))
    return sorted(found)


def warm_while(waiting: Callable[[], bool], modules: Iterable[str]) -> list[str]:
    """Import each `pulumi_aws.<module>` of `modules` not imported yet, one at a time and only
    while `waiting()` says the process has nothing else to do; the names imported."""
    import pulumi_aws

    imported = []
    for name in modules:
        module = getattr(pulumi_aws, name, None)
        # pulumi_aws loads its modules lazily (pulumi._utils.lazy_import): a module whose type is
        # still the lazy one has not run; reading an attribute other than the introspection ones
        # (__dict__, __name__, ...) runs it.
        if not isinstance(module, types.ModuleType) or type(module) is types.ModuleType:
            continue
        if not waiting():
            break
        getattr(module, "__all__", None)
        imported.append(name)
    return imported
