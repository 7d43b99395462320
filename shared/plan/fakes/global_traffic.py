"""Fake identities of the global-traffic layer: peering, Global Accelerator, Route 53."""

from __future__ import annotations

import zlib
from typing import Any

from shared.plan.fakes.core import ACCOUNT_ID, Fake, builds, fake_uuid

# The hosted zone every accelerator's DNS name lives in (alias records point at it).
ACCELERATOR_ZONE_ID = "Z2BJ6XQ5FK7U4H"
# Global Accelerator hands out its static anycast addresses from Amazon's own ranges.
_ANYCAST_PREFIXES = ("75.2", "99.83")


# The dials Global Accelerator serves in the offline world, by endpoint group region. Empty:
# nothing deployed yet, as in a first deployment. A test sets them to plan a redeploy.
LIVE_DIALS: dict[str, float] = {}


def live_dials(listener_arn: str) -> dict[str, float]:
    """What ListEndpointGroups would report for the listener, offline."""
    return dict(LIVE_DIALS)


@builds("aws:ec2/vpcPeeringConnection:VpcPeeringConnection")
def _peering(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # Cross-region requests wait for the accepter in the other region.
    state.update(acceptStatus="pending-acceptance", peerOwnerId=ACCOUNT_ID)
    return f"pcx-{fake.hex()}", state


@builds("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
        "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions")
def _peering_side(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # Both adopt the requester's connection: AWS gives them its pcx- ID.
    state.update(acceptStatus="active", peerOwnerId=ACCOUNT_ID)
    return str(state["vpcPeeringConnectionId"]), state


@builds("aws:ec2/route:Route")
def _route(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's route ID: "r-" + table ID + a hash of the destination.
    destination = str(state.get("destinationCidrBlock", ""))
    state.update(origin="CreateRoute", state="active")
    return f"r-{state['routeTableId']}{zlib.crc32(destination.encode())}", state


@builds("aws:globalaccelerator/accelerator:Accelerator")
def _accelerator(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = f"arn:aws:globalaccelerator::{ACCOUNT_ID}:accelerator/{fake_uuid(fake.seed)}"
    octets = [int(fake.hex(8)[i:i + 2], 16) for i in range(0, 8, 2)]
    addresses = [f"{_ANYCAST_PREFIXES[0]}.{octets[0] % 128}.{octets[1]}",
                 f"{_ANYCAST_PREFIXES[1]}.{octets[2]}.{octets[3]}"]
    state.update(arn=arn, dnsName=f"a{fake.hex(16)}.awsglobalaccelerator.com",
                 dualStackDnsName="", hostedZoneId=ACCELERATOR_ZONE_ID,
                 ipSets=[{"ipFamily": "IPv4", "ipAddresses": addresses}])
    return arn, state


@builds("aws:globalaccelerator/listener:Listener")
def _listener(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = f"{state['acceleratorArn']}/listener/{fake.hex(8)}"
    state["arn"] = arn
    return arn, state


@builds("aws:globalaccelerator/endpointGroup:EndpointGroup")
def _endpoint_group(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = f"{state['listenerArn']}/endpoint-group/{fake.hex(12)}"
    state["arn"] = arn
    return arn, state


@builds("aws:route53/healthCheck:HealthCheck")
def _health_check(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    check_id = fake_uuid(fake.seed)
    state["arn"] = f"arn:aws:route53:::healthcheck/{check_id}"
    return check_id, state


@builds("aws:route53/record:Record")
def _record(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # The provider's record ID: zone, name, type and (for routing policies) set identifier.
    record_name = str(state["name"]).rstrip(".")
    parts = [str(state["zoneId"]), record_name, str(state["type"])]
    if state.get("setIdentifier"):
        parts.append(str(state["setIdentifier"]))
    state["fqdn"] = record_name
    return "_".join(parts), state
