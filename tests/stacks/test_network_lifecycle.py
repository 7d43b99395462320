"""The network layers through an AZ incident and a changed setting: what a redeploy keeps."""

import ipaddress

import pytest

from shared.components.network import pinned_zone_ids, target_group_kind
from shared.naming import MAX_ENVIRONMENT_LENGTH, lb_name
from shared.plan.fakes import core as fakes
from shared.plan.plan import build_plan
from shared.plan.runtime import LayerFailed
from tests.support import one, resources

LAYERS = ("network-primary", "network-secondary")
SUBNET = "aws:ec2/subnet:Subnet"


def network_plan(**config):
    return build_plan("dev", {f"dr:{k}": v for k, v in config.items()}, layers=list(LAYERS))


def subnet_zones(plan, layer):
    return {s["name"]: (s["inputs"]["availabilityZoneId"], s["inputs"]["cidrBlock"])
            for s in resources(plan, layer, SUBNET)}


def test_an_az_incident_replaces_no_subnet(monkeypatch):
    before = network_plan()
    # AWS then answers a state=available query without the impaired zones.
    monkeypatch.setattr(fakes, "IMPAIRED_ZONE_IDS", {"use1-az1", "use2-az2"})
    during = network_plan()
    for layer in LAYERS:
        assert subnet_zones(during, layer) == subnet_zones(before, layer)
    primary = subnet_zones(during, "network-primary")
    assert {zone for zone, _ in primary.values()} == {"use1-az1", "use1-az2"}


def test_subnets_are_placed_by_zone_id_not_by_the_accounts_zone_names():
    plan = network_plan()
    for subnet in resources(plan, "network-primary", SUBNET):
        assert "availabilityZone" not in subnet["inputs"]
        assert subnet["inputs"]["availabilityZoneId"].startswith("use1-az")


def test_three_azs_in_a_region_with_two_is_one_line_before_any_resource(monkeypatch):
    monkeypatch.setattr(fakes, "ZONE_COUNTS", {"us-east-2": 2})
    with pytest.raises(LayerFailed) as error:
        network_plan(azCount="3")
    assert str(error.value) == ("dr:azCount is 3 but us-east-2 has only 2 Availability Zones; "
                                "set dr:azCount to 2 or pick a region with 3 zones")


def test_zone_ids_are_chosen_by_number_whatever_order_aws_lists_them():
    assert pinned_zone_ids("us-east-1", ["use1-az10", "use1-az4", "use1-az2"], 2) == [
        "use1-az2", "use1-az4"]


def test_a_new_app_port_names_a_new_target_group_so_it_can_replace_the_old_one():
    # The port cannot change in place: the replacement is created before the old group is
    # deleted (the listener still uses it), so the two must not share a name.
    names = {port: one(resources(network_plan(appPort=port), "network-primary",
                                 "aws:lb/targetGroup:TargetGroup"))["inputs"]["name"]
             for port in ("80", "8080")}
    assert names["80"] != names["8080"]
    assert all(len(name) <= 32 for name in names.values())
    # The longest: the longest environment name, a long region code.
    assert len(lb_name(target_group_kind(65535, ipaddress.IPv4Network("10.0.0.0/16")),
                       "a" * MAX_ENVIRONMENT_LENGTH, "ap-southeast-2")) <= 32


def test_a_new_vpc_range_names_a_new_target_group_so_it_can_replace_the_old_one():
    # vpc_id is force-new on a target group: the same create-first replacement as a new port.
    names = {cidr: one(resources(network_plan(primaryVpcCidr=cidr), "network-primary",
                                 "aws:lb/targetGroup:TargetGroup"))["inputs"]["name"]
             for cidr in ("10.10.0.0/16", "10.30.0.0/16")}
    assert names["10.10.0.0/16"] != names["10.30.0.0/16"]


def test_an_nlb_losing_a_subnet_is_deleted_before_its_same_named_replacement(dev_plan):
    # A lower dr:azCount replaces the NLB (it cannot drop a subnet in place); created first under
    # its fixed name it would be refused as DuplicateLoadBalancerName.
    for layer in LAYERS:
        nlb = one(resources(dev_plan, layer, "aws:lb/loadBalancer:LoadBalancer"))
        assert nlb["delete_before_replace"] is True
        others = [r for r in resources(dev_plan, layer) if r["delete_before_replace"]]
        assert others == [nlb]  # nothing else in the network goes down first


# The private tier a kept Aurora cluster (and its subnet group) lives in and is read through.
KEPT = {"aws:ec2/vpc:Vpc", "aws:ec2/routeTable:RouteTable", "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"}


def kept(plan, layer):
    return {r["name"].removeprefix(f"{layer}-") for r in resources(plan, layer) if r["retain_on_delete"]}


@pytest.mark.parametrize("layer", LAYERS)
def test_a_protected_destroy_keeps_the_private_tier_the_kept_stores_live_in(prod_plan, layer):
    names = kept(prod_plan, layer)
    assert {"vpc", "private-0", "private-1", "private-rt-0", "private-rta-1", "db-sg", "db-in",
            "app-sg", "vpce-sg", "vpce-in", "kms-endpoint", "secretsmanager-endpoint",
            "s3-endpoint"} <= names
    # The public tier has no store: it goes, and with it what references its groups.
    assert not names & {"public-0", "public-1", "igw", "nlb", "nlb-sg", "app-in", "tg", "listener"}
    assert {r["type"] for r in resources(prod_plan, layer) if r["retain_on_delete"]} <= KEPT


def test_a_dev_destroy_keeps_nothing(dev_plan):
    for layer in LAYERS:
        assert kept(dev_plan, layer) == set()
