"""VpcPeering: the cross-region peering between the two VPCs, with routes on both sides."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from shared.naming import physical_name


@dataclass
class PeerSide:
    """One VPC of the peering, as its network stack exported it."""

    role: str  # "primary" or "secondary"
    region: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: pulumi.Input[str]
    # Every private route table of the VPC; `route_table_count` of them are expected.
    route_table_ids: pulumi.Output[list[str]]
    route_table_count: int


def peer_side(role: str, region: str, network: Mapping[str, pulumi.Output[Any]],
              route_table_count: int) -> PeerSide:
    """A side built from a network stack's outputs, refusing a network deployed elsewhere."""
    return PeerSide(
        role=role, region=region,
        vpc_id=pulumi.Output.all(network["region"], network["vpc_id"]).apply(
            functools.partial(vpc_in_region, role, region)),
        vpc_cidr=network["vpc_cidr"], route_table_ids=network["private_route_table_ids"],
        route_table_count=route_table_count)


def vpc_in_region(role: str, region: str, values: list[Any]) -> str:
    """The VPC ID, once the network stack's exported region matches the settings."""
    deployed, vpc_id = values
    # peer_region comes from the settings: a network deployed elsewhere would be looked for
    # in the wrong region, so name the mismatch before EC2 is asked.
    if deployed != region:
        raise pulumi.RunError(
            f"network-{role} is deployed in {deployed} but dr:{role}Region is {region}; "
            f"redeploy network-{role} or restore the setting")
    return str(vpc_id)


@dataclass
class VpcPeeringArgs:
    environment: str
    requester: PeerSide
    accepter: PeerSide
    tags: dict[str, str] = field(default_factory=dict)


class VpcPeering(pulumi.ComponentResource):
    """Owns the requester side of the peering (in the requester's region), the accepter that
    accepts it in the other region, private DNS resolution across it on both sides, and a route
    to the other VPC's CIDR in every private route table of each VPC. Exposes `connection_id`."""

    def __init__(self, name: str, args: VpcPeeringArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:network:VpcPeering", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        requester, accepter = args.requester, args.accepter

        # Cross-region peering cannot be accepted from the requester's side (auto_accept must
        # be false there); the accepter resource adopts and accepts it in the peer region.
        self.connection = aws.ec2.VpcPeeringConnection(
            f"{name}-requester", vpc_id=requester.vpc_id, peer_vpc_id=accepter.vpc_id,
            peer_region=accepter.region, auto_accept=False, region=requester.region,
            tags=self._tags("requester", requester.region), opts=child)
        self.acceptance = aws.ec2.VpcPeeringConnectionAccepter(
            f"{name}-accepter", vpc_peering_connection_id=self.connection.id, auto_accept=True,
            region=accepter.region, tags=self._tags("accepter", accepter.region), opts=child)
        # Reading the id from the accepter orders everything below after acceptance.
        self.connection_id = self.acceptance.id

        # Options can only be set on an active connection, and for inter-region peering each
        # side is modified through its own region's API: one options resource per side.
        aws.ec2.PeeringConnectionOptions(
            f"{name}-requester-options", vpc_peering_connection_id=self.connection_id,
            requester={"allow_remote_vpc_dns_resolution": True}, region=requester.region,
            opts=child)
        aws.ec2.PeeringConnectionOptions(
            f"{name}-accepter-options", vpc_peering_connection_id=self.connection_id,
            accepter={"allow_remote_vpc_dns_resolution": True}, region=accepter.region,
            opts=child)

        self._routes(requester, accepter)
        self._routes(accepter, requester)

        self.register_outputs({"connection_id": self.connection_id})

    def _tags(self, side: str, region: str) -> dict[str, str]:
        return {**self._args.tags, "Side": side,
                "Name": f"{physical_name('peering', self._args.environment)}-{region}"}

    def _routes(self, side: PeerSide, other: PeerSide) -> None:
        for index in range(side.route_table_count):
            aws.ec2.Route(
                f"{self._name}-{side.role}-to-{other.role}-{index}",
                route_table_id=side.route_table_ids.apply(functools.partial(route_table, index, side)),
                destination_cidr_block=other.vpc_cidr,
                vpc_peering_connection_id=self.connection_id, region=side.region,
                opts=pulumi.ResourceOptions(parent=self))


def route_table(index: int, side: PeerSide, ids: list[str]) -> str:
    """Table `index` of one side, once the exported count matches dr:azCount."""
    # The count comes from dr:azCount; a network deployed with another count would leave
    # tables without a route back, so a mismatch stops the deployment instead.
    if len(ids) != side.route_table_count:
        raise pulumi.RunError(
            f"network-{side.role} exports {len(ids)} private route tables but dr:azCount is "
            f"{side.route_table_count}; redeploy network-{side.role} with the same dr:azCount")
    return ids[index]
