"""With dr:apiRecordName the REST API has one name in both regions: a custom domain in each
(with that region's certificate) and a Route 53 failover pair on the same checks as the NLB
failover records. Without it nothing is created and the REST URLs stay region-pinned."""

import pytest

from shared.config import settings_for
from shared.settings import SettingsError
from tests.support import one, outputs, plan_of, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}
CERTIFICATE = "arn:aws:acm:{}:123456789012:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"
DNS = {"hostedZoneId": "Z0123456789ABCDEFGHIJ", "failoverRecordName": "app.example.com",
       "apiRecordName": "api.example.com"}


@pytest.fixture(scope="module")
def plan():
    return plan_of("prod", **DNS)


def test_each_region_serves_the_shared_name_with_its_own_certificate(plan):
    compute = outputs(plan, "compute")
    for role, region in ROLES.items():
        domains = {d["inputs"]["domainName"]: d for d in
                   resources(plan, "compute", "aws:apigateway/domainName:DomainName", region)}
        shared = domains["api.example.com"]["inputs"]
        assert shared["regionalCertificateArn"] == plan.settings.regional(role).certificate_arn
        mapping = one([m for m in resources(plan, "compute", "aws:apigateway/basePathMapping:BasePathMapping",
                                            region) if m["inputs"]["domainName"] == "api.example.com"])
        assert mapping["inputs"]["restApi"] == compute[f"{role}_api_id"]


def test_the_failover_pair_follows_the_nlb_failover_records_checks(plan):
    traffic = outputs(plan, "global-traffic")
    nlb_records = {r["inputs"]["setIdentifier"].split("-")[0]: r for r in
                   resources(plan, "global-traffic", "aws:route53/record:Record")}
    api_records = resources(plan, "compute", "aws:route53/record:Record")
    assert len(api_records) == 2
    for record in api_records:
        role = record["inputs"]["setIdentifier"].split("-")[1]
        inputs = record["inputs"]
        assert (inputs["name"], inputs["type"], inputs["zoneId"]) == (
            "api.example.com", "A", DNS["hostedZoneId"])
        assert inputs["failoverRoutingPolicies"] == [{"type": role.upper()}]
        assert inputs["healthCheckId"] == traffic[f"{role}_serving_check_id"]
        assert inputs["healthCheckId"] == nlb_records[role]["inputs"]["healthCheckId"]
        assert inputs["aliases"][0]["name"].endswith(f".execute-api.{ROLES[role]}.amazonaws.com")
    assert outputs(plan, "compute")["api_failover_fqdn"] is not None


def test_without_the_setting_nothing_is_created_and_the_name_is_null(prod_plan):
    assert resources(prod_plan, "compute", "aws:route53/record:Record") == []
    assert outputs(prod_plan, "compute")["api_failover_fqdn"] is None
    assert outputs(prod_plan, "global-traffic")["primary_serving_check_id"] is None


def test_the_shared_name_needs_the_failover_records_and_tls():
    with pytest.raises(SettingsError, match=r"dr:apiRecordName: needs dr:hostedZoneId"):
        settings_for("dev", {"dr:apiRecordName": "api.example.com"})
    with pytest.raises(SettingsError, match=r"dr:apiRecordName: needs"):
        settings_for("dev", {f"dr:{k}": v for k, v in DNS.items()})  # dev has no certificates
