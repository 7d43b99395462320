"""`invoke unfence`: clear a move that stopped half way and left nobody writing."""

from __future__ import annotations

from invoke import Context

from shared.cli.common import REQUIRED_ENV_HELP, require_env, task
from shared.cli.ops import _HELP, _clients, _confirm, _run, _topology


@task(help={**_HELP, "env": REQUIRED_ENV_HELP, "yes": "do not ask for confirmation"})
def unfence(c: Context, env: str = "", yes: bool = False, backend: str = "", region: str = "") -> None:
    """Give the writes back after a stuck move (nobody writes).

    The authority record says a move is under way but none runs. The writer is confirmed from
    Aurora first (its writer cluster, no switchover or failover under way) and the record names
    that region again, written there first. Refused while another DR operation holds the lock or
    a Region switch execution runs; says so and changes nothing when no move is recorded.
    """
    from shared.ops.engines.unfence import unfence as clear

    env = require_env(env, "unfence")
    topology = _topology(env, backend, region)
    _confirm(f"Give the writes of {env} back to the database's writer", env, yes)
    print(_run(lambda: clear(topology, _clients(), print)))
