"""Preflight: each problem stops the run before any layer, with one line naming the fix."""

from __future__ import annotations

import os
import subprocess
import sys

import boto3
import pytest
from botocore.stub import Stubber
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_USAGE
from shared.cli.deploy import deploy_all
from shared.config import REPO_ROOT
from shared.orchestrator.backend import resolve_backend
from shared.orchestrator.errors import OrchestratorError
from shared.orchestrator.preflight import check_aws, check_cli, check_settings
from shared.orchestrator.pulumi_cli import PulumiCli


def cli(standin) -> PulumiCli:
    return PulumiCli(resolve_backend(standin.backend))


def test_a_missing_pulumi_cli_says_how_to_install_it(standin, monkeypatch):
    monkeypatch.setenv("PATH", str(standin.root / "empty"))
    with pytest.raises(OrchestratorError, match=r"not on PATH; install it: curl -fsSL https://get.pulumi.com"):
        cli(standin)


def test_an_old_pulumi_cli_says_to_upgrade(standin):
    standin.set(version="v3.96.1")
    with pytest.raises(OrchestratorError, match=r"is v3\.96\.1, older than the 3\.121\.0.*self upgrade"):
        check_cli(cli(standin))


def test_a_current_pulumi_cli_passes(standin):
    assert check_cli(cli(standin)) == "v3.272.0"


def test_an_unset_passphrase_on_a_self_managed_backend_is_named(standin, monkeypatch):
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    with pytest.raises(OrchestratorError, match="PULUMI_CONFIG_PASSPHRASE is not set"):
        cli(standin)


def test_an_empty_but_set_passphrase_is_one_as_pulumi_accepts_it_but_an_empty_file_is_not(
        standin, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "")
    assert cli(standin).env["PULUMI_CONFIG_PASSPHRASE"] == ""
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", "")
    with pytest.raises(OrchestratorError, match="PULUMI_CONFIG_PASSPHRASE is not set"):
        cli(standin)


def test_invalid_settings_name_the_key(standin):
    with pytest.raises(OrchestratorError, match=r"environment: 'Bad_Env' is not a valid name"):
        check_settings("Bad_Env", ["network-primary"])


def test_valid_credentials_give_the_account(standin):
    assert check_aws("us-east-1") == "123456789012"


def test_invalid_credentials_are_reported_with_aws_error_code(standin):
    sts = boto3.client("sts", region_name="us-east-1")
    with Stubber(sts) as stubbed:
        stubbed.add_client_error("get_caller_identity", service_error_code="InvalidClientTokenId",
                                 service_message="The security token included in the request is invalid.",
                                 http_status_code=403)
        with pytest.raises(OrchestratorError, match=r"AWS rejected the credentials \(InvalidClientTokenId\)"):
            check_aws("us-east-1", client=sts)


def test_missing_credentials_say_how_to_configure_them(standin, monkeypatch, tmp_path):
    _without_credentials(monkeypatch, tmp_path)
    with pytest.raises(OrchestratorError, match=r"no AWS credentials found; configure credentials"):
        check_aws("us-east-1")


def test_aws_endpoint_url_is_where_sts_is_asked(standin, monkeypatch):
    # Nothing listens on port 9: the error proves the call went to AWS_ENDPOINT_URL.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(OrchestratorError, match=r"could not ask AWS STS at http://127\.0\.0\.1:9"):
        check_aws("us-east-1")


def test_a_preflight_failure_stops_the_task_before_any_layer(standin):
    standin.set(version="v3.10.0")
    with pytest.raises(Exit, match="older than") as stopped:
        deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    assert stopped.value.code == EXIT_USAGE
    assert standin.ran("up") == [] and not any(c["argv"][:1] == ["stack"] for c in standin.calls())


def _without_credentials(monkeypatch, tmp_path) -> None:
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_every_missing_prerequisite_is_one_line_reported_at_once(standin, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(standin.root / "empty"))
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE")
    _without_credentials(monkeypatch, tmp_path)
    done = subprocess.run([sys.executable, "-m", "invoke", "deploy-all", "--env", "dev", "--yes",
                           "--backend", standin.backend],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == EXIT_USAGE
    lines = done.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["error"] * 3
    assert "PULUMI_CONFIG_PASSPHRASE is not set" in lines[0]
    assert lines[1] == ("error: the pulumi CLI is not on PATH; install it: curl -fsSL "
                        "https://get.pulumi.com | sh (then open a new shell)")
    assert lines[2].startswith("error: no AWS credentials found; configure credentials")
    assert "Traceback" not in done.stderr


def test_one_missing_prerequisite_is_one_line(standin, monkeypatch):
    monkeypatch.setenv("PATH", str(standin.root / "empty"))
    with pytest.raises(Exit) as stopped:
        deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    assert stopped.value.message == ("error: the pulumi CLI is not on PATH; install it: curl -fsSL "
                                     "https://get.pulumi.com | sh (then open a new shell)")
