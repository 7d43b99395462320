"""Deploy refuses, before any layer runs, certificates that would fail only at compute's listener:
a placeholder, or one that another account than the credentials' owns (an ALB and an API Gateway
domain use their own account's ACM certificates only)."""

from __future__ import annotations

import pytest
import yaml
from invoke import Context
from invoke.exceptions import Exit

import shared.config
from shared.certificates import settings_problems
from shared.ci_settings import PROTECTED_TEST_SETTINGS, TEST_ACCOUNT
from shared.cli.deploy import deploy_all
from shared.config import settings_for

PLACEHOLDER = "arn:aws:acm:{}:123456789012:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"


def configure(certificates: dict[str, str]) -> None:
    """Every layer's dev stack carries the domains and certificates (as `pulumi config set` would)."""
    for project in shared.config.STACKS_DIR.glob("*/Pulumi.yaml"):
        (project.parent / "Pulumi.dev.yaml").write_text(
            yaml.safe_dump({"config": {**certificates, "dr:appPort": 443}}))


def test_a_placeholder_certificate_stops_deploy_before_any_layer(standin):
    configure({**PROTECTED_TEST_SETTINGS, "dr:primaryCertificateArn": PLACEHOLDER.format("us-east-1")})
    with pytest.raises(Exit) as stopped:
        deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    assert str(stopped.value.message).splitlines()[0] == (
        "error: dr:primaryCertificateArn is a placeholder (a documentation account or an all-zero id): "
        "set it to your own ACM certificate's ARN (aws acm list-certificates --region us-east-1)")
    assert standin.ran("up") == []


def test_another_accounts_certificates_are_refused_naming_both_accounts(standin):
    configure(PROTECTED_TEST_SETTINGS)  # CI's test account; moto's credentials are 123456789012
    with pytest.raises(Exit) as stopped:
        deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    lines = str(stopped.value.message).splitlines()
    assert [line.split(" ")[1] for line in lines] == [
        "dr:primaryCertificateArn", "dr:secondaryCertificateArn"]
    assert all(f"belongs to account {TEST_ACCOUNT}, not 123456789012" in line for line in lines)
    assert standin.ran("up") == []


def test_the_credentials_own_certificates_and_names_pass():
    settings = settings_for("dev", {**PROTECTED_TEST_SETTINGS, "dr:appPort": "443"})
    assert settings_problems(settings, TEST_ACCOUNT) == []
    assert settings_problems(settings_for("dev", {**PROTECTED_TEST_SETTINGS, "dr:appPort": "443",
                                                  "dr:primaryDomain": "api.example.org"})) == [
        "dr:primaryDomain is a documentation placeholder (example.com/.net/.org): set it to a name "
        "in your own zone that the certificates cover"]
