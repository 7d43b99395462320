"""The orchestrator's one error type: a one-line message naming what is wrong and the fix."""


class OrchestratorError(Exception):
    """A deployment step could not run (CLI, credentials, backend, missing stack...)."""


class Refused(OrchestratorError):
    """A safety check said no (protected environment, not confirmed); nothing was changed."""


class PreflightFailed(OrchestratorError):
    """Every prerequisite that is missing, one line each (`error: ` starts each further line)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\nerror: ".join(problems))
        self.problems = problems


class StackMissing(OrchestratorError):
    """The layer has no stack of that name in the backend: not deployed (any other error is
    not an answer to "is it deployed?")."""
