"""The front doors' certificates are the operator's own: a placeholder copied from documentation,
an example.* name or a certificate of another region fails `invoke check` (it would otherwise
fail only when compute creates the listener, after network and data changed). Prod's base
config names none, so prod is planned and checked as CI does, with explicit test values."""

from shared.ci_settings import TEST_ACCOUNT
from shared.plan.plan import build_plan
from shared.policy import RULES, Context, evaluate, records_from_plan
from tests.policy.records import PROD, SECONDARY, res
from tests.support import plan_of

LISTENER, API_DOMAIN = "aws:lb/listener:Listener", "aws:apigateway/domainName:DomainName"
PLACEHOLDER = "arn:aws:acm:{}:123456789012:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"
TLS = {"primaryDomain": "api-use1.example.com", "primaryCertificateArn": PLACEHOLDER.format("us-east-1"),
       "secondaryDomain": "api-use2.example.com",
       "secondaryCertificateArn": PLACEHOLDER.format("us-east-2"), "appPort": "443"}


def findings(plan, rule_id: str) -> list[str]:
    report = evaluate(records_from_plan(plan.to_json()), Context.from_settings(plan.settings), RULES)
    return [f"{f.resource}: {f.message}" for f in report.findings if f.rule.id == rule_id]


def test_placeholder_certificates_and_example_domains_fail_the_guardrail():
    found = findings(plan_of("dev", **TLS), "entry-certificates")
    # both ALB listeners and both API Gateway domains, each naming the fix
    assert len([f for f in found if "placeholder (a documentation account" in f]) == 4
    assert len([f for f in found if "example.com is a documentation placeholder" in f]) == 2
    assert any("aws acm list-certificates --region us-east-2" in f for f in found)


def test_a_certificate_of_another_region_fails_the_guardrail():
    arn = f"arn:aws:acm:us-east-1:{TEST_ACCOUNT}:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"
    records = [res(LISTENER, "alb-listener", SECONDARY, protocol="HTTPS", certificateArn=arn)]
    [finding] = evaluate(records, PROD, [r for r in RULES if r.id == "entry-certificates"]).findings
    assert "is in us-east-1, not us-east-2" in finding.message


def test_prod_as_configured_names_no_certificate_and_fails_entry_tls():
    bare = build_plan("prod", {})  # without CI's test values
    assert bare.settings.primary_certificate_arn is None
    assert len(findings(bare, "entry-tls")) == 2


def test_prod_as_ci_plans_it_passes_every_guardrail(prod_plan):
    report = evaluate(records_from_plan(prod_plan.to_json()), Context.from_settings(prod_plan.settings),
                      RULES)
    assert prod_plan.settings.entry_tls and report.findings == []
    assert report.judged["entry-certificates"] == 6  # the NLBs' and ALBs' listeners, two domains
