"""Global Accelerator's leftovers in a VPC, against moto's EC2: the wait for its interfaces
(bounded, with progress, on an injected clock) and the deletion of its security group."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from shared.ops.aws.errors import OpsError
from shared.ops.maintenance.leftovers import GA_GROUP_NAME, remove_accelerator_leftovers

REGION = "us-east-1"
FIX = "run `invoke destroy --layer global-traffic --env dev`"


class World:
    """A VPC as Global Accelerator leaves it: its group and interfaces in two subnets."""

    def __init__(self, interfaces: int = 2) -> None:
        self.ec2 = boto3.client("ec2", region_name=REGION)
        self.vpc_id = self.ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
        subnets = [self.ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=block)["Subnet"]["SubnetId"]
                   for block in ("10.10.0.0/24", "10.10.1.0/24")]
        self.group_id = self.ec2.create_security_group(
            GroupName=GA_GROUP_NAME, Description="GA", VpcId=self.vpc_id)["GroupId"]
        self.interfaces = [self.ec2.create_network_interface(SubnetId=subnets[i % 2], Groups=[self.group_id])
                           ["NetworkInterface"]["NetworkInterfaceId"] for i in range(interfaces)]
        # The application's own interface in the VPC: not Global Accelerator's, never waited for.
        own = self.ec2.create_security_group(GroupName="app", Description="app", VpcId=self.vpc_id)["GroupId"]
        self.ec2.create_network_interface(SubnetId=subnets[0], Groups=[own])
        self.now = 0.0
        self.messages: list[str] = []

    def clock(self) -> float:
        return self.now

    def sleep_while_ga_cleans_up(self, seconds: float) -> None:
        """Each poll, time passes and Global Accelerator deletes one more interface."""
        self.now += seconds
        if self.interfaces:
            self.ec2.delete_network_interface(NetworkInterfaceId=self.interfaces.pop())

    def sleep_while_nothing_happens(self, seconds: float) -> None:
        self.now += seconds

    def groups(self) -> list[str]:
        found = self.ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [self.vpc_id]}])
        return sorted(g["GroupName"] for g in found["SecurityGroups"])


@pytest.fixture
def world():
    with mock_aws():
        yield World()


def remove(world: World, sleep, **limits):
    return remove_accelerator_leftovers(world.ec2, world.vpc_id, REGION, fix=FIX,
                                        report=world.messages.append, sleep=sleep, clock=world.clock,
                                        **limits)


def test_the_group_goes_once_the_interfaces_are_gone(world):
    deleted = remove(world, world.sleep_while_ga_cleans_up, poll_seconds=15)
    assert deleted == [world.group_id]
    assert GA_GROUP_NAME not in world.groups() and "app" in world.groups()
    waiting = f"{REGION}: waiting for Global Accelerator to remove"
    assert world.messages == [
        f"{waiting} 2 network interfaces from {world.vpc_id} (0 s so far)",
        f"{waiting} 1 network interfaces from {world.vpc_id} (15 s so far)",
        f"{REGION}: deleted security group {world.group_id} ({GA_GROUP_NAME}) from {world.vpc_id}",
    ]


def test_the_wait_is_bounded_and_names_the_fix(world):
    with pytest.raises(OpsError) as error:
        remove(world, world.sleep_while_nothing_happens, wait_seconds=600, poll_seconds=60)
    message = str(error.value)
    assert message.startswith(f"{world.vpc_id} ({REGION}) still holds 2 Global Accelerator network "
                              "interfaces after 10 min")
    assert message.endswith(f"is the accelerator still there? {FIX}, then run this again")
    assert GA_GROUP_NAME in world.groups()  # nothing deleted that AWS would refuse anyway
    assert len(world.messages) == 10


def test_an_interrupted_wait_stops_at_once(world):
    with pytest.raises(OpsError, match="interrupted while waiting"):
        remove(world, lambda seconds: True)
    assert GA_GROUP_NAME in world.groups()


def test_a_vpc_without_leftovers_needs_nothing():
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
        assert remove_accelerator_leftovers(ec2, vpc_id, REGION, fix=FIX, report=pytest.fail,
                                            sleep=pytest.fail) == []


def test_a_group_gone_meanwhile_is_not_an_error(world):
    def sleep(seconds):
        world.sleep_while_ga_cleans_up(seconds)
        if not world.interfaces:
            world.ec2.delete_security_group(GroupId=world.group_id)

    # The two interfaces go one per poll; the group is deleted by someone else in between.
    assert remove(world, sleep) == [world.group_id]
