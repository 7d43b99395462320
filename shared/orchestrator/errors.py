"""The orchestrator's one error type: a one-line message naming what is wrong and the fix."""


class OrchestratorError(Exception):
    """A deployment step could not run (CLI, credentials, backend, missing stack...)."""
