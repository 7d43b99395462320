"""Shared fixtures: offline plans are built once per session (they take about a second)."""

import pytest

from tests.outage import no_pulumi, outage  # noqa: F401  (fixtures for every test module)
from tests.support import plan_of


@pytest.fixture(scope="session")
def dev_plan():
    return plan_of("dev")


@pytest.fixture(scope="session")
def prod_plan():
    return plan_of("prod")
