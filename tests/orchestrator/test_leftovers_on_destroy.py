"""destroy-all removes Global Accelerator's security group from each VPC before the network
layer's own destroy, which AWS would otherwise refuse with DependencyViolation (stand-in CLI,
moto's EC2)."""

from __future__ import annotations

import json

import boto3
import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.deploy import deploy_all, destroy_all
from shared.cli.leftovers import clean_leftovers
from shared.ops.maintenance.leftovers import GA_GROUP_NAME
from tests.orchestrator.conftest import Standin

REGIONS = {"network-primary": "us-east-1", "network-secondary": "us-east-2"}


def publish_vpc(standin: Standin, layer: str, vpc_id: str) -> None:
    """Give the stand-in's network stack the outputs a real one publishes."""
    path = standin.root / "state" / ".pulumi" / "stacks" / layer / "dev.json"
    state = json.loads(path.read_text())
    state["outputs"].update(vpc_id=vpc_id, region=REGIONS[layer])
    path.write_text(json.dumps(state))


def test_destroy_all_deletes_the_accelerators_group_before_each_network(standin):
    deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    groups = {}
    for layer, region in REGIONS.items():
        ec2 = boto3.client("ec2", region_name=region)
        vpc_id = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
        groups[layer] = ec2.create_security_group(GroupName=GA_GROUP_NAME, Description="GA",
                                                  VpcId=vpc_id)["GroupId"]
        publish_vpc(standin, layer, vpc_id)
    destroy_all(Context(), env="dev", yes=True, backend=standin.backend)
    for layer, region in REGIONS.items():
        ec2 = boto3.client("ec2", region_name=region)
        left = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [GA_GROUP_NAME]}])
        assert left["SecurityGroups"] == []
        log = standin.log("dev", layer).read_text()
        assert log.index(f"deleted security group {groups[layer]}") < log.index("Resources:")
    assert set(standin.layers("destroy")) >= set(REGIONS)


def test_clean_leftovers_serves_a_plain_pulumi_destroy_in_a_network_folder(standin, capsys):
    deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc_id = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    group_id = ec2.create_security_group(GroupName=GA_GROUP_NAME, Description="GA", VpcId=vpc_id)["GroupId"]
    publish_vpc(standin, "network-primary", vpc_id)
    clean_leftovers(Context(), env="dev", layer="network-primary", backend=standin.backend)
    assert ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                 {"Name": "group-name", "Values": [GA_GROUP_NAME]}])[
        "SecurityGroups"] == []
    printed = capsys.readouterr().out
    assert f"deleted security group {group_id}" in printed
    assert "no Global Accelerator leftovers remain in network-primary (dev)" in printed
    assert standin.layers("destroy") == []  # it only cleans; the destroy is the user's


def test_clean_leftovers_refuses_a_layer_without_a_vpc(standin):
    with pytest.raises(Exit, match=r"^error: data owns no VPC; give a network layer$"):
        clean_leftovers(Context(), env="dev", layer="data", backend=standin.backend)
