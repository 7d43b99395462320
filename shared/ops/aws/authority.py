"""Who writes, as the operations read and move it: the same module the Lambda functions run
(stacks/compute/handlers/authority.py, loaded from its file, since it is packaged alone as a
top-level module), bound to the topology and the operator's clients.

Every move goes through `begin_move` (nobody writes; generation + 1) and `activate` (the target
writes; generation + 1), both written in the activating region's replica first. The generation
starts from the newest record either region answers with, so a record written in a region that
is now lost and never replicated is still overtaken. docs/architecture/authority.md gives the argument.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from shared.config import HANDLERS_DIR
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, one_line
from shared.ops.aws.topology import DrTopology

MODULE_NAME = "dr_handlers_authority"


def _load() -> ModuleType:
    if MODULE_NAME in sys.modules:
        return sys.modules[MODULE_NAME]
    spec = importlib.util.spec_from_file_location(MODULE_NAME, HANDLERS_DIR / "authority.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


record_module = _load()
Authority: Any = record_module.Authority
Superseded: type[Exception] = record_module.Superseded
# The longest a region may go on writing once the record no longer names it, counted from when
# its replica holds the new record: its last good read stands in that long while reads fail.
DRAIN_SECONDS: float = float(record_module.STALE_SECONDS)
REFRESH_SECONDS: float = float(record_module.REFRESH_SECONDS)


@dataclass(frozen=True)
class RegionRecord:
    region: str
    record: Any | None  # an Authority, or None when the region did not answer
    error: str = ""

    def describe(self) -> str:
        if self.record is None:
            return f"{self.region}: unreadable ({self.error})"
        return f"{self.region}: {self.record.describe()}"


def read_in(clients: AwsClients, topology: DrTopology, region: str, quick: bool = False) -> Any:
    """The record in `region`'s replica; AWS errors are the caller's. `quick`: one short try,
    for a region that may be lost or hanging."""
    dynamodb = clients.informational("dynamodb", region) if quick else clients.dynamodb(region)
    return record_module.read(dynamodb, topology.table_name, topology.primary.region)


def try_read(clients: AwsClients, topology: DrTopology, region: str, quick: bool = False) -> RegionRecord:
    try:
        return RegionRecord(region, read_in(clients, topology, region, quick))
    except AWS_ERRORS as error:
        return RegionRecord(region, None, one_line(error))


def newest(*records: RegionRecord) -> Any | None:
    return record_module.newest(*(found.record for found in records))


def begin_move(clients: AwsClients, topology: DrTopology, target: str, seen: list[RegionRecord],
               by: str) -> Any:
    """Nobody writes from now on (the record names no active region, moving to `target`);
    written in `target`. A record already moving to `target`, or naming it, is left alone."""
    current = newest(*seen) or record_module.initial(topology.primary.region)
    if current.active_region == target or (not current.active_region and current.moving_to == target):
        return current
    record = record_module.successor(current, "", target, by)
    record_module.write(clients.dynamodb(target), topology.table_name, record)
    return record


def activate(clients: AwsClients, topology: DrTopology, target: str, seen: list[RegionRecord],
             by: str) -> Any:
    """`target` writes from now on; written in `target`."""
    current = newest(*seen) or record_module.initial(topology.primary.region)
    if current.active_region == target:
        return current
    record = record_module.successor(current, target, "", by)
    record_module.write(clients.dynamodb(target), topology.table_name, record)
    return record
