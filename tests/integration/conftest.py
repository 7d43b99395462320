"""Live-AWS tests: skipped, with the reason, unless DR_INTEGRATION=1 points them at a deployment."""

import os

import pytest

ENABLED = os.environ.get("DR_INTEGRATION") == "1"
REASON = ("live AWS tests: set DR_INTEGRATION=1 (and DR_ENV, default dev) after "
          "`invoke deploy-all`, with AWS credentials and the Pulumi CLI available")


def pytest_collection_modifyitems(items):
    if ENABLED:
        return
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if "tests/integration/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def environment() -> str:
    return os.environ.get("DR_ENV", "dev")


@pytest.fixture(scope="session")
def deployed(environment):
    """Every layer's deployed outputs, read through the same helper the tasks use."""
    from shared.contracts import LAYERS
    from shared.orchestrator.outputs import stack_outputs

    return {layer: stack_outputs(layer, environment) for layer in LAYERS}
