"""The settings CI and `invoke test` add to a protected environment's plan and guardrails.

Prod's base configuration names no certificate: the operator sets their own, and until then
`invoke check` and deploy refuse prod. To still plan and check prod's real shape (HTTPS on every
entry) offline, CI passes these explicit test values with `--set`; they are not placeholders the
guardrails let through (a test account, not one from AWS's documentation), and deploy's preflight
refuses them anyway, since no real credentials belong to their account.
"""

from __future__ import annotations

TEST_ACCOUNT = "210987654321"
TEST_ZONE = "dr-ci.test"  # RFC 2606 reserves .test for testing


def _certificate(region: str, serial: int) -> str:
    return f"arn:aws:acm:{region}:{TEST_ACCOUNT}:certificate/0c1c1c1c-0000-4000-8000-00000000000{serial}"


PROTECTED_TEST_SETTINGS = {
    "dr:primaryDomain": f"api-use1.{TEST_ZONE}",
    "dr:primaryCertificateArn": _certificate("us-east-1", 1),
    "dr:secondaryDomain": f"api-use2.{TEST_ZONE}",
    "dr:secondaryCertificateArn": _certificate("us-east-2", 2),
}
# The environments CI plans and checks with the test values above.
WITH_TEST_SETTINGS = ("prod",)


def overrides(environment: str) -> dict[str, str]:
    """The test values CI adds to `environment`'s settings (none for dev)."""
    return dict(PROTECTED_TEST_SETTINGS) if environment in WITH_TEST_SETTINGS else {}


def set_flags(environment: str) -> str:
    """`--set dr:<key>=<value> ...` for `invoke plan|check --env <environment>` in CI."""
    return " ".join(f"--set {key}={value}" for key, value in overrides(environment).items())
