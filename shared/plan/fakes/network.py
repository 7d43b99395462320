"""Fake identities of the network layers' resources (VPC, load balancers)."""

from __future__ import annotations

from typing import Any

from shared.plan.fakes.core import ACCOUNT_ID, ALB_ZONES, NLB_ZONES, Fake, builds


@builds("aws:ec2/vpc:Vpc")
def _vpc(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    vpc_id = f"vpc-{fake.hex()}"
    state.update(arn=fake.arn(f"vpc/{vpc_id}"), defaultRouteTableId=f"rtb-{fake.hex(16)}0",
                 mainRouteTableId=f"rtb-{fake.hex(16)}1", ownerId=ACCOUNT_ID)
    return vpc_id, state


@builds("aws:lb/loadBalancer:LoadBalancer")
def _load_balancer(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    network = state.get("loadBalancerType") == "network"
    kind, zones = ("net", NLB_ZONES) if network else ("app", ALB_ZONES)
    suffix = fake.hex(16)
    arn = fake.arn(f"loadbalancer/{kind}/{name}/{suffix}")
    prefix = "internal-" if state.get("internal") else ""
    dns = f"{prefix}{name}-{suffix[:10]}." + (
        f"elb.{fake.region}.amazonaws.com" if network else f"{fake.region}.elb.amazonaws.com")
    state.update(arn=arn, arnSuffix=arn.split(":loadbalancer/")[1], dnsName=dns,
                 zoneId=zones.get(fake.region, "Z" + fake.hex(13).upper()))
    return arn, state


@builds("aws:lb/targetGroup:TargetGroup")
def _target_group(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = fake.arn(f"targetgroup/{name}/{fake.hex(16)}")
    state.update(arn=arn, arnSuffix=arn.split(":", 5)[5])
    return arn, state


@builds("aws:lb/listener:Listener")
def _listener(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    # AWS names a listener after its load balancer: ...:listener/<app|net>/<lb name>/<lb id>/<id>.
    balancer = str(state.get("loadBalancerArn") or "")
    if ":loadbalancer/" in balancer:
        arn = balancer.replace(":loadbalancer/", ":listener/", 1) + f"/{fake.hex(16)}"
    else:
        arn = fake.arn(f"listener/net/{name}/{fake.hex(16)}/{fake.hex(16)[::-1]}")
    state["arn"] = arn
    return arn, state
