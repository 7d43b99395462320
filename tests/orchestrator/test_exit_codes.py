"""Deploy and ops tasks give the same exit code for the same kind of failure (shared/cli/common.py)."""

from __future__ import annotations

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_FAILED, EXIT_REFUSED, EXIT_USAGE
from shared.cli.deploy import destroy_all, outputs
from shared.cli.ops import _run, status
from shared.ops.aws.errors import Refused, StepFailed


def _code(call) -> int:
    with pytest.raises(Exit) as stopped:
        call()
    return stopped.value.code


def _raise(error: Exception):
    def action():
        raise error

    return action


def test_nothing_deployed_is_a_usage_error_in_deploy_and_ops_tasks(standin):
    assert _code(lambda: outputs(Context(), env="dev", backend=standin.backend)) == EXIT_USAGE
    assert _code(lambda: status(Context(), env="dev", backend=standin.backend)) == EXIT_USAGE


def test_a_safety_refusal_is_the_same_code_in_deploy_and_ops_tasks(standin):
    protected = _code(lambda: destroy_all(Context(), env="prod", yes=True, backend=standin.backend))
    assert protected == EXIT_REFUSED
    assert _code(lambda: _run(_raise(Refused("target unhealthy")))) == EXIT_REFUSED


def test_a_step_that_ran_and_failed_is_exit_failed():
    assert _code(lambda: _run(_raise(StepFailed("verify", "verification failed")))) == EXIT_FAILED
