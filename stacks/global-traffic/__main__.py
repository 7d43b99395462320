"""global-traffic: peering between the two VPCs, Global Accelerator on both NLBs, Route 53
health checks on the NLBs and, with a hosted zone, failover DNS records."""

from shared.components.accelerator import AcceleratedRegion, TrafficAccelerator, TrafficAcceleratorArgs
from shared.components.failover_dns import FailoverDns, FailoverDnsArgs, FailoverTarget
from shared.components.health_checks import CheckedEntry, EntryHealthChecks, EntryHealthChecksArgs
from shared.components.peering import VpcPeering, VpcPeeringArgs, peer_side
from shared.config import current_settings
from shared.stack_io import Upstream, export_outputs

ROLES = ("primary", "secondary")

settings = current_settings()
upstream = Upstream("global-traffic")
networks = {role: upstream.outputs(f"network-{role}") for role in ROLES}
regions = {role: settings.regional(role).region for role in ROLES}
tags = settings.resource_tags

peering = VpcPeering("peering", VpcPeeringArgs(
    environment=settings.environment,
    requester=peer_side("primary", regions["primary"], networks["primary"], settings.az_count),
    accepter=peer_side("secondary", regions["secondary"], networks["secondary"], settings.az_count),
    tags=tags))

accelerator = TrafficAccelerator("traffic", TrafficAcceleratorArgs(
    environment=settings.environment, traffic_mode=settings.traffic_mode, tags=tags,
    regions=[AcceleratedRegion(role, regions[role], networks[role]["nlb_arn"],
                               networks[role]["nlb_listener_port"]) for role in ROLES]))

health = EntryHealthChecks("entry", EntryHealthChecksArgs(
    environment=settings.environment, path=settings.health_check_path,
    interval_seconds=settings.health_check_interval_seconds,
    failure_threshold=settings.health_check_failure_threshold,
    protocol=settings.entry_protocol, tags=tags,
    entries=[CheckedEntry(role, regions[role], networks[role]["nlb_dns_name"],
                          networks[role]["nlb_listener_port"]) for role in ROLES]))

failover_fqdn, serving_checks = None, {}
if settings.hosted_zone_id and settings.failover_record_name:
    failover = FailoverDns("failover", FailoverDnsArgs(
        environment=settings.environment, hosted_zone_id=settings.hosted_zone_id,
        record_name=settings.failover_record_name, health_check_path=settings.health_check_path,
        interval_seconds=settings.health_check_interval_seconds,
        failure_threshold=settings.health_check_failure_threshold,
        protocol=settings.entry_protocol, tags=tags,
        targets=[FailoverTarget(role, regions[role], networks[role]["nlb_dns_name"],
                                networks[role]["nlb_zone_id"], networks[role]["nlb_listener_port"])
                 for role in ROLES]))
    failover_fqdn, serving_checks = failover.fqdn, failover.ids

groups = accelerator.endpoint_groups
export_outputs("global-traffic", {
    "peering_connection_id": peering.connection_id,
    "accelerator_arn": accelerator.accelerator.arn,
    "accelerator_dns_name": accelerator.accelerator.dns_name,
    "accelerator_static_ips": accelerator.static_ips,
    "listener_arn": accelerator.listener.arn,
    "primary_endpoint_group_arn": groups["primary"].arn,
    "secondary_endpoint_group_arn": groups["secondary"].arn,
    "primary_traffic_dial": accelerator.dials["primary"],
    "secondary_traffic_dial": accelerator.dials["secondary"],
    "primary_health_check_id": health.ids["primary"],
    "secondary_health_check_id": health.ids["secondary"],
    "failover_record_fqdn": failover_fqdn,
    **{f"{role}_serving_check_id": serving_checks.get(role) for role in ROLES},
})
