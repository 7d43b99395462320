"""global-traffic under mocks, checked as a reviewer would: every ID it wires in is the one the
network stacks exported, in the region it belongs to."""

import ipaddress
import re

import pytest

from tests.support import one, outputs, plan_of, resources

LAYER = "global-traffic"
REGIONS = {"primary": "us-east-1", "secondary": "us-east-2"}
OTHER = {"primary": "secondary", "secondary": "primary"}
PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
OPTIONS = "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions"
ROUTE = "aws:ec2/route:Route"
ACCELERATOR = "aws:globalaccelerator/accelerator:Accelerator"
LISTENER = "aws:globalaccelerator/listener:Listener"
GROUP = "aws:globalaccelerator/endpointGroup:EndpointGroup"
CHECK = "aws:route53/healthCheck:HealthCheck"
RECORD = "aws:route53/record:Record"
ZONE = {"hostedZoneId": "Z0123456789ABC", "failoverRecordName": "app.example.com"}


def network(plan, role):
    return outputs(plan, f"network-{role}")


def group_in(plan, region):
    return one([g for g in resources(plan, LAYER, GROUP) if g["inputs"]["endpointGroupRegion"] == region])


@pytest.fixture(params=list(REGIONS), scope="module")
def role(request):
    return request.param


# --- Global Accelerator ---


def test_each_endpoint_group_points_at_exactly_its_regions_nlb(dev_plan, role):
    group = group_in(dev_plan, REGIONS[role])
    [endpoint] = group["inputs"]["endpointConfigurations"]
    assert endpoint["endpointId"] == network(dev_plan, role)["nlb_arn"]
    assert endpoint["endpointId"].startswith(f"arn:aws:elasticloadbalancing:{REGIONS[role]}:")
    # Failover only considers endpoints weighted above zero.
    assert endpoint["weight"] > 0
    assert endpoint["clientIpPreservationEnabled"] is True


def test_endpoint_groups_hang_off_the_one_tcp_listener_on_the_nlb_port(dev_plan):
    out = outputs(dev_plan, LAYER)
    accelerator = one(resources(dev_plan, LAYER, ACCELERATOR))
    listener = one(resources(dev_plan, LAYER, LISTENER))
    assert accelerator["inputs"]["ipAddressType"] == "IPV4" and accelerator["inputs"]["enabled"]
    assert listener["inputs"]["acceleratorArn"] == out["accelerator_arn"]
    assert listener["inputs"]["protocol"] == "TCP"
    port = network(dev_plan, "primary")["nlb_listener_port"]
    assert port == network(dev_plan, "secondary")["nlb_listener_port"]
    assert listener["inputs"]["portRanges"] == [{"fromPort": port, "toPort": port}]
    groups = resources(dev_plan, LAYER, GROUP)
    assert len(groups) == 2
    assert {g["inputs"]["listenerArn"] for g in groups} == {out["listener_arn"]}
    arns = {out["primary_endpoint_group_arn"], out["secondary_endpoint_group_arn"]}
    assert len(arns) == 2 and all(a.startswith(out["listener_arn"] + "/endpoint-group/") for a in arns)


def test_accelerator_resources_are_global_and_reach_the_api_without_a_region(dev_plan):
    for token in (ACCELERATOR, LISTENER, GROUP):
        for found in resources(dev_plan, LAYER, token):
            assert found["region"] == "global"
            assert "region" not in found["inputs"]


def test_active_passive_dials_send_normal_traffic_to_the_primary_only(dev_plan):
    assert group_in(dev_plan, "us-east-1")["inputs"]["trafficDialPercentage"] == 100
    assert group_in(dev_plan, "us-east-2")["inputs"]["trafficDialPercentage"] == 0
    out = outputs(dev_plan, LAYER)
    assert (out["primary_traffic_dial"], out["secondary_traffic_dial"]) == (100, 0)


def test_active_active_dials_send_traffic_to_both_regions():
    plan = plan_of("dev", trafficMode="active-active")
    assert group_in(plan, "us-east-1")["inputs"]["trafficDialPercentage"] == 100
    assert group_in(plan, "us-east-2")["inputs"]["trafficDialPercentage"] == 100
    out = outputs(plan, LAYER)
    assert (out["primary_traffic_dial"], out["secondary_traffic_dial"]) == (100, 100)


def test_accelerator_exports_look_like_aws_ones(dev_plan):
    out = outputs(dev_plan, LAYER)
    arn = r"arn:aws:globalaccelerator::123456789012:accelerator/[0-9a-f-]{36}"
    assert re.fullmatch(arn, out["accelerator_arn"])
    assert re.fullmatch(r"a[0-9a-f]{16}\.awsglobalaccelerator\.com", out["accelerator_dns_name"])
    assert re.fullmatch(re.escape(out["accelerator_arn"]) + r"/listener/[0-9a-f]{8}", out["listener_arn"])
    ips = [ipaddress.ip_address(ip) for ip in out["accelerator_static_ips"]]
    assert len(ips) == 2 and all(ip.version == 4 and ip.is_global for ip in ips)


# --- Route 53 health checks ---


def test_each_health_check_watches_exactly_its_regions_nlb(dev_plan, role):
    out = outputs(dev_plan, LAYER)
    checks = {c["inputs"]["fqdn"]: c for c in resources(dev_plan, LAYER, CHECK)}
    assert len(checks) == 2
    check = checks[network(dev_plan, role)["nlb_dns_name"]]
    assert check["inputs"]["fqdn"].endswith(f".elb.{REGIONS[role]}.amazonaws.com")
    assert check["inputs"]["type"] == "HTTP"
    assert check["inputs"]["port"] == network(dev_plan, role)["nlb_listener_port"]
    assert check["inputs"]["resourcePath"] == "/health"
    assert check["inputs"]["requestInterval"] == 30 and check["inputs"]["failureThreshold"] == 3
    assert check["inputs"]["tags"]["Region"] == REGIONS[role]
    assert check["region"] == "global"
    assert re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", out[f"{role}_health_check_id"])
    assert out["primary_health_check_id"] != out["secondary_health_check_id"]


def test_health_checks_take_path_interval_and_threshold_from_settings():
    plan = plan_of("dev", healthCheckPath="/ready", healthCheckIntervalSeconds="10",
                   healthCheckFailureThreshold="2")
    for check in resources(plan, LAYER, CHECK):
        inputs = check["inputs"]
        assert (inputs["resourcePath"], inputs["requestInterval"], inputs["failureThreshold"]) == (
            "/ready", 10, 2)


# --- VPC peering ---


def test_peering_is_requested_in_the_primary_and_accepted_in_the_secondary(dev_plan):
    primary, secondary = network(dev_plan, "primary"), network(dev_plan, "secondary")
    requester = one(resources(dev_plan, LAYER, PEERING))
    assert requester["region"] == "us-east-1"
    assert requester["inputs"]["vpcId"] == primary["vpc_id"]
    assert requester["inputs"]["peerVpcId"] == secondary["vpc_id"]
    assert requester["inputs"]["peerRegion"] == "us-east-2"
    assert requester["inputs"].get("autoAccept") is False
    accepter = one(resources(dev_plan, LAYER, ACCEPTER))
    assert accepter["region"] == "us-east-2" and accepter["inputs"]["autoAccept"] is True
    assert requester["urn"] in accepter["depends_on"]
    connection_id = outputs(dev_plan, LAYER)["peering_connection_id"]
    assert accepter["inputs"]["vpcPeeringConnectionId"] == connection_id
    assert re.fullmatch(r"pcx-[0-9a-f]{17}", connection_id)


def test_dns_resolves_across_the_peering_from_each_side_in_its_own_region(dev_plan):
    accepter = one(resources(dev_plan, LAYER, ACCEPTER))
    options = {o["region"]: o for o in resources(dev_plan, LAYER, OPTIONS)}
    assert options["us-east-1"]["inputs"]["requester"] == {"allowRemoteVpcDnsResolution": True}
    assert options["us-east-2"]["inputs"]["accepter"] == {"allowRemoteVpcDnsResolution": True}
    assert "accepter" not in options["us-east-1"]["inputs"]
    assert "requester" not in options["us-east-2"]["inputs"]
    for option in options.values():
        # Options can only be set once the connection is active, i.e. after acceptance.
        assert accepter["urn"] in option["depends_on"]


def test_every_private_route_table_routes_to_the_other_vpc_over_the_peering(dev_plan, role):
    routes = [r for r in resources(dev_plan, LAYER, ROUTE) if r["region"] == REGIONS[role]]
    tables = network(dev_plan, role)["private_route_table_ids"]
    assert sorted(r["inputs"]["routeTableId"] for r in routes) == sorted(tables)
    other_cidr = network(dev_plan, OTHER[role])["vpc_cidr"]
    connection_id = outputs(dev_plan, LAYER)["peering_connection_id"]
    for route in routes:
        assert route["inputs"]["destinationCidrBlock"] == other_cidr
        assert route["inputs"]["vpcPeeringConnectionId"] == connection_id
    assert not set(tables) & set(network(dev_plan, role)["public_route_table_ids"])


def test_three_azs_get_three_peering_routes_per_side():
    plan = plan_of("dev", azCount="3")
    for role, region in REGIONS.items():
        routes = [r for r in resources(plan, LAYER, ROUTE) if r["region"] == region]
        assert sorted(r["inputs"]["routeTableId"] for r in routes) == sorted(
            network(plan, role)["private_route_table_ids"])
        assert len(routes) == 3


def test_regional_resources_sit_in_their_region_and_global_ones_are_global(dev_plan):
    # AWS resources only: a StackReference or a time.Sleep has no region.
    regions = {r["region"] for r in resources(dev_plan, LAYER) if r["type"].startswith("aws:")}
    assert regions == {"us-east-1", "us-east-2", "global"}


def test_taggable_resources_carry_environment_and_name(dev_plan):
    tagged = [r for r in resources(dev_plan, LAYER) if "tags" in r["inputs"]]
    # The contract mirror's parameters: tests/test_contract_mirror.py.
    assert {r["type"] for r in tagged if "ContractMirror" not in r["urn"]} == {
        PEERING, ACCEPTER, ACCELERATOR, CHECK}
    for found in tagged:
        assert found["inputs"]["tags"]["Environment"] == "dev" and found["inputs"]["tags"]["Name"]


def test_the_layer_plans_without_warnings(dev_plan):
    assert dev_plan.layer(LAYER).warnings == []


# --- failover DNS ---


def test_no_failover_records_without_a_hosted_zone(dev_plan):
    assert resources(dev_plan, LAYER, RECORD) == []
    assert outputs(dev_plan, LAYER)["failover_record_fqdn"] is None


def test_failover_records_alias_each_nlb_tied_to_its_health_check():
    plan = plan_of("dev", **ZONE)
    out = outputs(plan, LAYER)
    records = {r["inputs"]["failoverRoutingPolicies"][0]["type"]: r for r in resources(plan, LAYER, RECORD)}
    assert set(records) == {"PRIMARY", "SECONDARY"}
    for role, kind in (("primary", "PRIMARY"), ("secondary", "SECONDARY")):
        record = records[kind]["inputs"]
        assert (record["zoneId"], record["name"]) == (ZONE["hostedZoneId"], ZONE["failoverRecordName"])
        assert record["type"] == "A"
        assert record["aliases"] == [{"name": network(plan, role)["nlb_dns_name"],
                                      "zoneId": network(plan, role)["nlb_zone_id"],
                                      "evaluateTargetHealth": True}]
        assert REGIONS[role] in record["setIdentifier"]
    assert out["failover_record_fqdn"] == "app.example.com"


def test_failover_records_follow_the_operations_decision_not_only_the_nlb():
    """Each record's check reads its region's health answer: PRIMARY only while that region is
    the active one and not fenced, SECONDARY while its region can take over and is not fenced
    (tests/handlers/test_write_fence.py pins the answer these strings match)."""
    plan = plan_of("dev", **ZONE)
    checks = {c["urn"]: c for c in resources(plan, LAYER, CHECK)}
    searched = {"PRIMARY": '"dns": "serve-active"', "SECONDARY": '"dns": "serve-'}
    for r in resources(plan, LAYER, RECORD):
        kind = r["inputs"]["failoverRoutingPolicies"][0]["type"]
        role = kind.lower()
        (check,) = [checks[urn] for urn in r["depends_on"] if urn in checks]  # its healthCheckId
        assert check["inputs"]["type"] == "HTTP_STR_MATCH"
        assert check["inputs"]["searchString"] == searched[kind]
        assert check["inputs"]["fqdn"] == network(plan, role)["nlb_dns_name"]
        assert check["inputs"]["resourcePath"] == "/health"
        assert r["inputs"]["healthCheckId"] != outputs(plan, LAYER)[f"{role}_health_check_id"]
