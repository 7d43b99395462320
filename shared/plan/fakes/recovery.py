"""Fake identities of the recovery layer: the ARC Region switch plan."""

from __future__ import annotations

from typing import Any

from shared.plan.fakes.core import ACCOUNT_ID, Fake, builds, digest


@builds("aws:arcregionswitch/plan:Plan")
def _plan(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # A plan is global (no region in its ARN); ARC appends a six-character suffix to the name.
    arn = f"arn:aws:arc-region-switch::{ACCOUNT_ID}:plan/{name}:{digest(fake.seed, 6).lower()}"
    state.update(arn=arn, owner=ACCOUNT_ID)
    return arn, state
