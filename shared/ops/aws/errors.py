"""Errors the DR operations raise; each message is one line the CLI prints as is."""

from botocore.exceptions import BotoCoreError, ClientError

# What a call to AWS can raise that an operation reports instead of crashing.
AWS_ERRORS = (ClientError, BotoCoreError, LookupError)


def one_line(error: BaseException) -> str:
    """An exception as one line, for a message the CLI prints as is."""
    return " ".join(str(error).split()) or type(error).__name__


class OpsError(RuntimeError):
    """An operation cannot go on; the message says what is wrong and what to do."""


class Refused(OpsError):
    """A safety check said no (unhealthy target, lagging replica, protected environment)."""


class StepFailed(OpsError):
    """A failover step failed or timed out; its progress is saved so a rerun resumes there."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step
