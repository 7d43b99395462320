"""network-primary and network-secondary under mocks, checked as a reviewer would."""

import ipaddress
import json

import pytest

from tests.support import by_urn, one, outputs, plan_of, resources

LAYERS = {"network-primary": "us-east-1", "network-secondary": "us-east-2"}


@pytest.fixture(params=list(LAYERS), scope="module")
def layer(request):
    return request.param


def test_every_resource_lives_in_its_layers_region(dev_plan, layer):
    # The contract mirror (tests/test_contract_mirror.py) is in both DR regions by design.
    regions = {r["region"] for r in resources(dev_plan, layer) if "ContractMirror" not in r["urn"]}
    assert regions == {LAYERS[layer], "global"}  # global: the flow-log IAM role and policy


def test_subnets_span_distinct_azs_inside_the_vpc(dev_plan, layer):
    subnets = resources(dev_plan, layer, "aws:ec2/subnet:Subnet")
    vpc = one(resources(dev_plan, layer, "aws:ec2/vpc:Vpc"))
    cidr = ipaddress.ip_network(vpc["inputs"]["cidrBlock"])
    for tier in ("public", "private"):
        tiered = [s for s in subnets if s["inputs"]["tags"]["Tier"] == tier]
        assert len(tiered) == 2
        assert len({s["inputs"]["availabilityZoneId"] for s in tiered}) == 2
    blocks = [ipaddress.ip_network(s["inputs"]["cidrBlock"]) for s in subnets]
    assert all(b.subnet_of(cidr) for b in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1:])
    assert vpc["inputs"]["enableDnsHostnames"] and vpc["inputs"]["enableDnsSupport"]


def test_only_public_subnets_route_to_the_internet(dev_plan, layer):
    out = outputs(dev_plan, layer)
    tables = {r["urn"]: r for r in resources(dev_plan, layer, "aws:ec2/routeTable:RouteTable")}
    igw_routes = [t for t in tables.values()
                  if any(r.get("gatewayId", "").startswith("igw-") for r in t["inputs"].get("routes", []))]
    assert len(igw_routes) == 1 and igw_routes[0]["inputs"]["routes"][0]["cidrBlock"] == "0.0.0.0/0"
    associations = resources(dev_plan, layer, "aws:ec2/routeTableAssociation:RouteTableAssociation")
    public_table_id = out["public_route_table_ids"][0]
    public = {a["inputs"]["subnetId"] for a in associations if a["inputs"]["routeTableId"] == public_table_id}
    assert public == set(out["public_subnet_ids"])
    private = {a["inputs"]["subnetId"] for a in associations
               if a["inputs"]["routeTableId"] in out["private_route_table_ids"]}
    assert private == set(out["private_subnet_ids"])


def test_private_subnets_reach_aws_apis_through_endpoints(dev_plan, layer):
    region = LAYERS[layer]
    found = resources(dev_plan, layer, "aws:ec2/vpcEndpoint:VpcEndpoint")
    endpoints = {e["inputs"]["serviceName"]: e for e in found}
    out = outputs(dev_plan, layer)
    for gateway in ("s3", "dynamodb"):
        endpoint = endpoints[f"com.amazonaws.{region}.{gateway}"]
        assert sorted(endpoint["inputs"]["routeTableIds"]) == sorted(out["private_route_table_ids"])
    for service in ("ssm", "secretsmanager", "kms"):
        endpoint = endpoints[f"com.amazonaws.{region}.{service}"]
        assert endpoint["inputs"]["privateDnsEnabled"]
        assert sorted(endpoint["inputs"]["subnetIds"]) == sorted(out["private_subnet_ids"])


def test_nlb_is_internet_facing_in_the_public_subnets_with_an_alb_target_group(dev_plan, layer):
    out = outputs(dev_plan, layer)
    nlb = one(resources(dev_plan, layer, "aws:lb/loadBalancer:LoadBalancer"))
    assert nlb["inputs"]["loadBalancerType"] == "network" and not nlb["inputs"].get("internal")
    assert sorted(nlb["inputs"]["subnets"]) == sorted(out["public_subnet_ids"])
    assert nlb["inputs"]["enableCrossZoneLoadBalancing"] is True
    group = one(resources(dev_plan, layer, "aws:lb/targetGroup:TargetGroup"))
    assert group["inputs"]["targetType"] == "alb" and group["inputs"]["protocol"] == "TCP"
    assert group["inputs"]["healthCheck"]["path"] == "/health"
    assert group["inputs"]["healthCheck"]["protocol"] == "HTTP"
    listener = one(resources(dev_plan, layer, "aws:lb/listener:Listener"))
    assert listener["inputs"]["loadBalancerArn"] == out["nlb_arn"]
    assert listener["inputs"]["defaultActions"][0]["targetGroupArn"] == out["nlb_target_group_arn"]
    assert all(len(r["inputs"]["name"]) <= 32 for r in (nlb, group))


def test_the_internet_facing_nlb_waits_for_the_internet_gateway(dev_plan, layer):
    # AWS refuses an internet-facing load balancer in a VPC with no gateway attached yet.
    nlb = one(resources(dev_plan, layer, "aws:lb/loadBalancer:LoadBalancer"))
    gateway = one(resources(dev_plan, layer, "aws:ec2/internetGateway:InternetGateway"))
    assert gateway["urn"] in nlb["depends_on"]


def test_database_port_is_open_to_the_application_only(dev_plan, layer):
    out = outputs(dev_plan, layer)
    rules = resources(dev_plan, layer, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    db_rules = [r for r in rules if r["inputs"]["securityGroupId"] == out["database_security_group_id"]]
    assert [r["inputs"].get("referencedSecurityGroupId") for r in db_rules] == [out["app_security_group_id"]]
    world_open = [r for r in rules if r["inputs"].get("cidrIpv4") == "0.0.0.0/0"]
    assert [r["inputs"]["fromPort"] for r in world_open] == [80]


def test_flow_logs_capture_all_traffic_into_a_retained_log_group(dev_plan, layer):
    log = one(resources(dev_plan, layer, "aws:ec2/flowLog:FlowLog"))
    group = one(resources(dev_plan, layer, "aws:cloudwatch/logGroup:LogGroup"))
    assert log["inputs"]["trafficType"] == "ALL"
    assert log["inputs"]["vpcId"] == outputs(dev_plan, layer)["vpc_id"]
    assert group["inputs"]["retentionInDays"] == 30
    assert group["urn"] in log["depends_on"]


def test_the_flow_log_waits_for_the_permission_to_deliver_not_only_the_role(dev_plan, layer):
    log = one(resources(dev_plan, layer, "aws:ec2/flowLog:FlowLog"))
    policy = one(resources(dev_plan, layer, "aws:iam/rolePolicy:RolePolicy"))
    assert policy["urn"] in log["depends_on"]


def test_only_vpc_flow_logs_for_this_account_may_assume_the_delivery_role(dev_plan, layer):
    role = one(resources(dev_plan, layer, "aws:iam/role:Role"))
    [statement] = json.loads(role["inputs"]["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_exports_are_shaped_like_real_aws_ids(dev_plan, layer):
    out = outputs(dev_plan, layer)
    region = LAYERS[layer]
    assert out["region"] == region
    assert out["vpc_id"].startswith("vpc-") and len(out["vpc_id"]) == 21
    assert all(s.startswith("subnet-") for s in out["public_subnet_ids"] + out["private_subnet_ids"])
    assert out["nlb_arn"].startswith(f"arn:aws:elasticloadbalancing:{region}:123456789012:loadbalancer/net/")
    assert out["nlb_dns_name"].endswith(f".elb.{region}.amazonaws.com")
    assert out["nlb_zone_id"] in ("Z26RNL4JYFTOTI", "ZLMOA37VPKANP")
    assert out["nlb_target_group_arn"].split(":")[5].startswith("targetgroup/")
    # The fake world shuffles names as AWS does per account: az1 is "b", az2 is "a".
    assert out["availability_zones"] == [f"{region}b", f"{region}a"]


def test_both_regions_are_built_by_one_component_symmetrically(dev_plan):
    def shape(layer):
        return sorted(r["type"] for r in resources(dev_plan, layer))
    assert shape("network-primary") == shape("network-secondary")
    components = [r for layer in LAYERS for r in by_urn(dev_plan, layer).values()
                  if r["type"] == "dr:network:RegionalNetwork"]
    assert len(components) == 2


def test_az_count_three_builds_three_subnets_per_tier():
    plan = plan_of("dev", azCount="3")
    assert len(resources(plan, "network-primary", "aws:ec2/subnet:Subnet")) == 6
    assert len(outputs(plan, "network-secondary")["private_route_table_ids"]) == 3


def test_every_taggable_resource_carries_environment_and_project(dev_plan, layer):
    tagged = [r for r in resources(dev_plan, layer) if "tags" in r["inputs"]]
    assert len(tagged) > 20
    assert all(r["inputs"]["tags"]["Environment"] == "dev" and r["inputs"]["tags"]["Project"] for r in tagged)
