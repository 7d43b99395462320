"""One DR move at a time: a lock parameter in the region being activated.

Why SSM and not the DynamoDB global table: the global table replicates every item to the other
region and settles concurrent writes in different regions last-writer-wins, so a conditional
write in us-east-2 cannot exclude one made in us-east-1, and a recovering region can replicate
a stale lock back. `PutParameter` without `Overwrite` is an atomic create-if-absent inside one
region, and the parameter sits under `/dr/<env>/regional/`, which the replicator never copies.
A planned move (both regions answer) takes the lock in both regions, so a failback towards one
region excludes a failover towards the other; an unplanned move takes it where it can: the target.
"""

from __future__ import annotations

import getpass
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, OpsError, Refused, one_line


def operator() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


@dataclass
class OperationLock:
    clients: AwsClients
    name: str
    run_id: str  # the run holding it; a rerun of the same run takes it back
    description: str  # e.g. "failover towards us-east-2 (unplanned)"
    started_at: str
    holder: str = field(default_factory=operator)
    held_in: list[str] = field(default_factory=list)

    def _value(self) -> str:
        return json.dumps({"run_id": self.run_id, "holder": self.holder, "operation": self.description,
                           "started_at": self.started_at}, sort_keys=True)

    def acquire(self, regions: list[str], *, break_lock: bool, echo: Callable[[str], None]) -> None:
        for region in regions:
            try:
                self._take(region, break_lock=break_lock, echo=echo)
            except AWS_ERRORS as error:
                # A planned move locks both regions: one whose Parameter Store fails (a grey
                # region) stops it in one line, with nothing half-taken.
                self.release_or_warn(echo)
                way_out = ("a planned move needs both regions: if that region is failing, run the move "
                           "--unplanned" if len(regions) > 1 else "retry once Parameter Store answers there")
                raise OpsError(f"cannot take the lock {self.name} in {region}: {one_line(error)}; "
                               f"{way_out}") from None
            except Refused:
                self.release()
                raise
            self.held_in.append(region)

    def _take(self, region: str, *, break_lock: bool, echo: Callable[[str], None]) -> None:
        ssm = self.clients.ssm(region)
        try:
            ssm.put_parameter(Name=self.name, Value=self._value(), Type="String", Overwrite=False)
            return
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ParameterAlreadyExists":
                raise
        held = self._read(region)
        if held.get("run_id") != self.run_id:
            who = (f"{held.get('holder', '?')} ({held.get('operation', '?')}, since "
                   f"{held.get('started_at', '?')})")
            if not break_lock:
                raise Refused(f"another DR operation holds the lock {self.name} in {region}: {who}; "
                              "wait for it to finish, or rerun with --break-lock if it is orphaned")
            echo(f"warning: breaking the lock {self.name} in {region} held by {who} (--break-lock)")
        ssm.put_parameter(Name=self.name, Value=self._value(), Type="String", Overwrite=True)

    def _read(self, region: str) -> dict[str, str]:
        try:
            value = self.clients.ssm(region).get_parameter(Name=self.name)["Parameter"]["Value"]
            found = json.loads(value)
        except (ClientError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def release(self) -> None:
        """Delete the lock where this run holds it; a lock another run took over is left alone."""
        for region in list(self.held_in):
            if self._read(region).get("run_id") == self.run_id:
                self.clients.ssm(region).delete_parameter(Name=self.name)
            self.held_in.remove(region)

    def release_or_warn(self, echo: Callable[[str], None]) -> None:
        """Release at the end of a run, whatever happened: a lock that cannot be deleted now is
        said, not raised, so it never hides the run's own outcome."""
        try:
            self.release()
        except AWS_ERRORS as error:
            echo(f"warning: could not release the lock {self.name}: {one_line(error)}; the next run "
                 "needs --break-lock")
