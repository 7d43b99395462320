"""The CLI tests use the stand-in pulumi and moto of the orchestrator tests."""

from tests.orchestrator.conftest import standin  # noqa: F401  (a fixture)
