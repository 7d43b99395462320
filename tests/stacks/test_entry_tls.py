"""TLS on the accelerator/NLB path: with certificates the ALB behind each NLB terminates HTTPS,
the NLB passes TCP 443 through, and every checker (NLB target group, Route 53) speaks HTTPS;
without them dev stays plain HTTP and says so, and a protected environment is refused."""

import pytest

from shared.config import settings_for
from shared.plan.plan import entry_line
from shared.policy import RULES, Context, evaluate, records_from_plan
from shared.settings import SettingsError
from tests.support import one, outputs, plan_of, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}
CERTIFICATE = "arn:aws:acm:{}:123456789012:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"
TLS = {"primaryDomain": "api-use1.example.com", "primaryCertificateArn": CERTIFICATE.format("us-east-1"),
       "secondaryDomain": "api-use2.example.com",
       "secondaryCertificateArn": CERTIFICATE.format("us-east-2"), "appPort": "443"}
ZONE = {"hostedZoneId": "Z0123456789ABCDEFGHIJ", "failoverRecordName": "app.example.com"}


def alb_listener(plan, region):
    return one([r for r in resources(plan, "compute", "aws:lb/listener:Listener", region)])


def test_prod_terminates_tls_at_each_alb_with_that_regions_certificate(prod_plan):
    for role, region in ROLES.items():
        listener = alb_listener(prod_plan, region)["inputs"]
        assert listener["protocol"] == "HTTPS" and listener["port"] == 443
        assert listener["certificateArn"] == prod_plan.settings.regional(role).certificate_arn
        assert listener["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")


def test_the_nlb_passes_tcp_443_through_and_checks_the_alb_over_https(prod_plan):
    for role in ROLES:
        nlb_listener = one(resources(prod_plan, f"network-{role}", "aws:lb/listener:Listener"))
        assert nlb_listener["inputs"]["protocol"] == "TCP" and nlb_listener["inputs"]["port"] == 443
        group = one(resources(prod_plan, f"network-{role}", "aws:lb/targetGroup:TargetGroup"))
        assert group["inputs"]["port"] == 443
        assert group["inputs"]["healthCheck"]["protocol"] == "HTTPS"
        assert outputs(prod_plan, f"network-{role}")["entry_protocol"] == "HTTPS"


def test_route53_checks_speak_https_on_the_nlbs_when_tls_is_on():
    plan = plan_of("dev", **TLS, **ZONE)
    checks = resources(plan, "global-traffic", "aws:route53/healthCheck:HealthCheck")
    assert sorted(c["inputs"]["type"] for c in checks) == [
        "HTTPS", "HTTPS", "HTTPS_STR_MATCH", "HTTPS_STR_MATCH"]
    assert {c["inputs"]["port"] for c in checks} == {443}


def test_dev_without_certificates_stays_plain_http_everywhere_and_says_so():
    plan = plan_of("dev", **ZONE)
    for role, region in ROLES.items():
        assert alb_listener(plan, region)["inputs"]["protocol"] == "HTTP"
        assert "certificateArn" not in alb_listener(plan, region)["inputs"]
        group = one(resources(plan, f"network-{role}", "aws:lb/targetGroup:TargetGroup"))
        assert group["inputs"]["healthCheck"]["protocol"] == "HTTP"
    checks = resources(plan, "global-traffic", "aws:route53/healthCheck:HealthCheck")
    assert sorted(c["inputs"]["type"] for c in checks) == ["HTTP", "HTTP", "HTTP_STR_MATCH", "HTTP_STR_MATCH"]
    assert plan.summary().splitlines()[1] == "  " + entry_line(plan.settings)
    assert entry_line(plan.settings).startswith("entry: plain HTTP on port 80")


def test_the_summary_names_https_when_certificates_are_set(prod_plan):
    assert prod_plan.summary().splitlines()[1].startswith("  entry: HTTPS on port 443")


def entry_findings(plan):
    report = evaluate(records_from_plan(plan.to_json()), Context.from_settings(plan.settings), RULES)
    return [f for f in report.findings if f.rule.id == "entry-tls"]


def test_check_refuses_a_protected_environment_without_certificates(prod_plan):
    unprotected = plan_of("staging", protectData="true")
    assert len(entry_findings(unprotected)) == 2  # one plain-HTTP ALB listener per region
    assert entry_findings(prod_plan) == []
    assert entry_findings(plan_of("dev")) == []  # dev may stay plain HTTP


@pytest.mark.parametrize(("overrides", "match"), [
    ({"primaryDomain": "api.example.com", "primaryCertificateArn": CERTIFICATE.format("us-east-1")},
     r"dr:primaryCertificateArn: is set without dr:secondaryCertificateArn"),
    ({**TLS, "appPort": "80"}, r"dr:appPort: is 80 while certificates are configured.*443"),
])
def test_half_configured_tls_is_refused_in_one_line(overrides, match):
    with pytest.raises(SettingsError, match=match):
        settings_for("dev", {f"dr:{k}": v for k, v in overrides.items()})
