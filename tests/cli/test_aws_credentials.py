"""A mistyped AWS_PROFILE or no credentials at all: one line naming the fix, exit 2, no traceback,
and nothing read or claimed about the deployment (redrive counted a queue it never read)."""

from __future__ import annotations

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_USAGE
from shared.cli.cost import cost
from shared.cli.deploy import outputs
from shared.cli.ops import drill, failback, failover, redrive, status
from shared.cli.unfence import unfence

CALLS = {
    "status": lambda: status(Context()),
    "failover": lambda: failover(Context(), env="dev", to="secondary", yes=True),
    "failback": lambda: failback(Context(), env="dev", yes=True),
    "drill": lambda: drill(Context(), env="dev"),
    "redrive": lambda: redrive(Context(), env="dev"),
    "unfence": lambda: unfence(Context(), env="dev", yes=True),
    "outputs --from-region": lambda: outputs(Context(), from_region="us-east-1"),
    "cost --live": lambda: cost(Context(), live=True),
}


@pytest.fixture
def no_aws(tmp_path, monkeypatch):
    """No credentials anywhere botocore looks: environment, files, instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def _stopped(call, capsys) -> tuple[int, str, str]:
    with pytest.raises(Exit) as stopped:
        call()
    return stopped.value.code, str(stopped.value.message), capsys.readouterr().out


@pytest.mark.parametrize("task", sorted(CALLS))
def test_a_mistyped_profile_is_one_line_naming_it(task, no_aws, capsys):
    no_aws.setenv("AWS_PROFILE", "prdo")
    code, message, out = _stopped(CALLS[task], capsys)
    assert code == EXIT_USAGE and out == ""
    # cost --live adds the offline way on: the prices it already has.
    assert message.startswith("error: AWS profile 'prdo' (AWS_PROFILE) is not configured; `aws configure "
                              "list-profiles` lists those that are, or unset AWS_PROFILE")


@pytest.mark.parametrize("task", sorted(CALLS))
def test_no_credentials_is_one_short_line_that_says_so_not_deploy_advice(task, no_aws, capsys):
    code, message, out = _stopped(CALLS[task], capsys)
    assert code == EXIT_USAGE and out == ""  # redrive printed "1 left in the queue" here
    assert message.startswith("error: no AWS credentials found") and len(message) < 240
    assert "deploy" not in message


def test_outputs_before_any_deployment_says_so_not_the_passphrase(standin, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    with pytest.raises(Exit) as stopped:
        outputs(Context(), env="dev", backend=standin.backend)
    assert str(stopped.value.message) == ("error: nothing is deployed in dev: "
                                          "run `invoke deploy-all --env dev`")
    # Once a stack of the environment exists, the passphrase it needs is what is missing.
    state = standin.root / "state" / ".pulumi" / "stacks" / "data"
    state.mkdir(parents=True)
    (state / "dev.json").write_text("{}")
    with pytest.raises(Exit) as stopped:
        outputs(Context(), env="dev", backend=standin.backend)
    assert "PULUMI_CONFIG_PASSPHRASE is not set" in str(stopped.value.message)
