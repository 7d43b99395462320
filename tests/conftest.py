"""Shared fixtures: offline plans are built once per session (they take about a second)."""

import pytest

from tests.outage import degraded, hanging, no_pulumi, outage  # noqa: F401  (fixtures for every test module)
from tests.support import copy_stacks, plan_of


@pytest.fixture(scope="session")
def dev_plan():
    return plan_of("dev")


@pytest.fixture(scope="session")
def prod_plan():
    return plan_of("prod")


@pytest.fixture
def stacks(tmp_path, monkeypatch):
    """A copy of stacks/ the settings merge and the plan read instead of the real one."""
    import shared.config

    copy = copy_stacks(tmp_path)
    monkeypatch.setattr(shared.config, "STACKS_DIR", copy)
    return copy
