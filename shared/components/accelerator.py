"""TrafficAccelerator: one Global Accelerator in front of both regions' NLBs."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumiverse_time as time

from shared.components.traffic_dials import live_dials
from shared.naming import physical_name

# Any weight above zero works with one endpoint per group; zero would exclude the NLB even
# from failover, which only considers endpoints weighted above zero.
ENDPOINT_WEIGHT = 128
# DeleteAccelerator right after the last listener's deletion can still see the listener and
# fail with AssociatedListenerFoundException (pulumi-aws issue 3742, open, no retry in the
# provider): destroy waits this long between the two.
LISTENER_GONE_WAIT = "60s"


def initial_dials(traffic_mode: str) -> dict[str, int]:
    """Traffic dial per region role that dr:trafficMode deploys."""
    if traffic_mode == "active-active":
        return {"primary": 100, "secondary": 100}
    if traffic_mode == "active-passive":
        return {"primary": 100, "secondary": 0}
    raise ValueError(f"unknown traffic mode {traffic_mode!r}")


@dataclass
class AcceleratedRegion:
    """One region behind the accelerator: its NLB, as the network stack exported it."""

    role: str  # "primary" or "secondary"
    region: str
    nlb_arn: pulumi.Input[str]
    nlb_listener_port: pulumi.Input[int]


@dataclass
class TrafficAcceleratorArgs:
    environment: str
    traffic_mode: str
    regions: list[AcceleratedRegion]
    tags: dict[str, str] = field(default_factory=dict)


class TrafficAccelerator(pulumi.ComponentResource):
    """Owns the accelerator (IPv4, two static anycast IPs), its TCP listener on the NLBs' port
    and one endpoint group per region whose single endpoint is that region's NLB. Exposes the
    accelerator's ARN, DNS name and IPs, the listener ARN and each group's ARN and dial."""

    def __init__(self, name: str, args: TrafficAcceleratorArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:traffic:TrafficAccelerator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        dials = initial_dials(args.traffic_mode)
        port = pulumi.Output.all(*(r.nlb_listener_port for r in args.regions)).apply(one_listener_port)

        # Global Accelerator's API lives in us-west-2 only. pulumi-aws v7 models its resources
        # as global (no `region` argument) and pins their API client to us-west-2 whatever the
        # provider's region, so the stack's default provider reaches it without an alias.
        self.accelerator = aws.globalaccelerator.Accelerator(
            f"{name}-accelerator", name=physical_name("accelerator", args.environment),
            ip_address_type="IPV4", enabled=True,
            tags={**args.tags, "Name": physical_name("accelerator", args.environment)},
            opts=child)
        # Destroy runs in reverse: listener, then this wait, then the accelerator.
        listener_gone = time.Sleep(
            f"{name}-listener-gone-wait", destroy_duration=LISTENER_GONE_WAIT,
            triggers={"accelerator": self.accelerator.arn},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.accelerator]))
        self.listener = aws.globalaccelerator.Listener(
            f"{name}-listener", accelerator_arn=self.accelerator.arn, protocol="TCP",
            port_ranges=[{"from_port": port, "to_port": port}],
            client_affinity="NONE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[listener_gone]))

        self.endpoint_groups: dict[str, aws.globalaccelerator.EndpointGroup] = {}
        # The dials dr:trafficMode deploys: what failback restores, published as such.
        self.dials: dict[str, int] = {}
        live = live_dials(self.listener.arn)
        for region in args.regions:
            self.dials[region.role] = dials[region.role]
            # trafficMode sets the initial dials only: afterwards they are operational state
            # that `invoke failover` / failback turn through the API. The provider sends the
            # program's dial on any update of the group, so the program passes the live one
            # (see traffic_dials.py) rather than ignoring changes. Health-check settings are
            # left out: for NLB endpoints Global Accelerator uses the NLB's own target health.
            self.endpoint_groups[region.role] = aws.globalaccelerator.EndpointGroup(
                f"{name}-{region.role}", listener_arn=self.listener.arn,
                endpoint_group_region=region.region,
                traffic_dial_percentage=live.apply(
                    functools.partial(dial_in, region.region, dials[region.role])),
                endpoint_configurations=[{
                    "endpoint_id": region.nlb_arn, "weight": ENDPOINT_WEIGHT,
                    # The NLB has security groups and its ALB target sits in the same VPC,
                    # the two conditions for preserving client IPs through an NLB endpoint.
                    "client_ip_preservation_enabled": True,
                }],
                opts=child)

        self.static_ips = self.accelerator.ip_sets.apply(
            lambda sets: [ip for ip_set in sets for ip in (ip_set.ip_addresses or [])])
        self.register_outputs({
            "accelerator_arn": self.accelerator.arn,
            "listener_arn": self.listener.arn,
            "endpoint_group_arns": {role: g.arn for role, g in self.endpoint_groups.items()},
        })


def dial_in(region: str, initial: int, live: dict[str, float]) -> float:
    """The dial a region's group is deployed with: the live one, or trafficMode's if new."""
    return live.get(region, float(initial))


def one_listener_port(ports: list[int]) -> int:
    """The port both NLBs listen on, which the accelerator's listener forwards unchanged."""
    # Without port overrides every endpoint group receives the listener's port.
    if len(set(ports)) != 1:
        raise pulumi.RunError(f"the NLBs listen on different ports {sorted(set(ports))}; "
                              "redeploy both network layers with the same dr:appPort")
    return int(ports[0])
