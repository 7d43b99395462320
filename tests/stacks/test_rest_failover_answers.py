"""REST failover, driven: the planned health checks and both failover pairs (the NLB failover name
and the REST API's shared name) are created in Route 53 (moto), read back, and answered for every
state of the two checks by Route 53's documented failover rule. The REST name must answer from the
same region as the NLB name: the secondary once the primary's check fails, the primary otherwise.

moto stores failover records but neither runs health checks nor answers DNS (TestDNSAnswer is not
implemented), so the rule below is AWS's, applied to what Route 53 holds: a PRIMARY record is
returned while its health check is healthy, else a healthy SECONDARY; when every record of the
name is unhealthy Route 53 treats them all as healthy and returns the primary.
https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/health-checks-how-route-53-chooses-records.html
"""

from __future__ import annotations

import itertools
import re

import boto3
import pytest
from moto import mock_aws

from tests.support import outputs, plan_of, resources

DNS = {"hostedZoneId": "Z0123456789ABCDEFGHIJ", "failoverRecordName": "app.example.com",
       "apiRecordName": "api.example.com"}
NAMES = ("app.example.com.", "api.example.com.")
REGION_IN_TARGET = re.compile(r"\.(?:elb|execute-api)\.([a-z]{2}-[a-z]+-\d)\.amazonaws\.com")


@pytest.fixture(scope="module")
def route53():
    """Route 53 holding the prod plan's checks and failover records; plan check id -> Route 53's."""
    plan = plan_of("prod", **DNS)
    with mock_aws():
        client = boto3.client("route53", region_name="us-east-1")
        zone = client.create_hosted_zone(Name="example.com", CallerReference="zone")["HostedZone"]["Id"]
        ids = {}
        for check in resources(plan, "global-traffic", "aws:route53/healthCheck:HealthCheck"):
            spec = check["inputs"]
            config = {"Type": spec["type"], "FullyQualifiedDomainName": spec["fqdn"], "Port": spec["port"],
                      "ResourcePath": spec["resourcePath"], "RequestInterval": spec["requestInterval"],
                      "FailureThreshold": spec["failureThreshold"]}
            if "searchString" in spec:
                config["SearchString"] = spec["searchString"]
            ids[check["id"]] = client.create_health_check(
                CallerReference=check["urn"], HealthCheckConfig=config)["HealthCheck"]["Id"]
        records = (resources(plan, "global-traffic", "aws:route53/record:Record")
                   + resources(plan, "compute", "aws:route53/record:Record"))
        assert {r["inputs"]["zoneId"] for r in records} == {DNS["hostedZoneId"]}
        client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": r["inputs"]["name"], "Type": r["inputs"]["type"],
                "SetIdentifier": r["inputs"]["setIdentifier"],
                "Failover": r["inputs"]["failoverRoutingPolicies"][0]["type"],
                "HealthCheckId": ids[r["inputs"]["healthCheckId"]],
                "AliasTarget": {"HostedZoneId": r["inputs"]["aliases"][0]["zoneId"],
                                "DNSName": r["inputs"]["aliases"][0]["name"],
                                "EvaluateTargetHealth": r["inputs"]["aliases"][0]["evaluateTargetHealth"]}}}
            for r in records]})
        held = client.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        yield plan, ids, [r for r in held if r.get("Failover")]


def answer(held: list[dict], name: str, healthy: dict[str, bool]) -> str:
    """The region Route 53 answers `name` from, given each health check's state."""
    pair = {r["Failover"]: r for r in held if r["Name"] == name}
    assert set(pair) == {"PRIMARY", "SECONDARY"}, f"{name} is not a failover pair"
    up = {role: healthy[record["HealthCheckId"]] for role, record in pair.items()}
    chosen = "SECONDARY" if not up["PRIMARY"] and up["SECONDARY"] else "PRIMARY"
    match = REGION_IN_TARGET.search(pair[chosen]["AliasTarget"]["DNSName"])
    assert match, pair[chosen]["AliasTarget"]["DNSName"]
    return match.group(1)


def test_route53_holds_both_names_as_failover_pairs_on_shared_checks(route53):
    _, _, held = route53
    by_name = {name: {r["Failover"]: r["HealthCheckId"] for r in held if r["Name"] == name} for name in NAMES}
    assert by_name["app.example.com."] == by_name["api.example.com."]


@pytest.mark.parametrize(("primary_up", "secondary_up"), list(itertools.product((True, False), repeat=2)))
def test_the_rest_name_answers_from_the_region_the_failover_name_does(route53, primary_up, secondary_up):
    plan, ids, held = route53
    traffic = outputs(plan, "global-traffic")
    healthy = {check: True for check in ids.values()}
    healthy[ids[traffic["primary_serving_check_id"]]] = primary_up
    healthy[ids[traffic["secondary_serving_check_id"]]] = secondary_up
    rest, nlb = answer(held, "api.example.com.", healthy), answer(held, "app.example.com.", healthy)
    assert rest == nlb
    assert rest == ("us-east-2" if not primary_up and secondary_up else "us-east-1")
