"""global-traffic: VPC peering, Global Accelerator over both NLBs, Route 53 health checks."""

from shared.contracts.base import LIST, NULLABLE, NUMBER, LayerContract, outputs

# Peering routes go in the private tables only: the public subnets hold just the NLB, which
# never talks to the other VPC.
_NETWORK_KEYS = (
    "region", "vpc_id", "vpc_cidr", "private_route_table_ids",
    "nlb_arn", "nlb_dns_name", "nlb_zone_id", "nlb_listener_port",
)

GLOBAL_TRAFFIC = LayerContract(
    name="global-traffic",
    description="Cross-region peering, Global Accelerator, Route 53 health checks and failover DNS",
    outputs=outputs(
        ("peering_connection_id", "ID of the VPC peering connection between the two regions"),
        ("accelerator_arn", "ARN of the Global Accelerator"),
        ("accelerator_dns_name", "DNS name of the Global Accelerator: the users' entry point"),
        ("accelerator_static_ips", "The accelerator's two static anycast IPv4 addresses", LIST),
        ("listener_arn", "ARN of the accelerator's TCP listener"),
        ("primary_endpoint_group_arn", "ARN of the primary region's endpoint group"),
        ("secondary_endpoint_group_arn", "ARN of the secondary region's endpoint group"),
        ("primary_traffic_dial", "Deployed traffic dial (percent) of the primary endpoint group", NUMBER),
        ("secondary_traffic_dial", "Deployed traffic dial (percent) of the secondary group", NUMBER),
        ("primary_health_check_id", "Route 53 health check ID watching the primary NLB"),
        ("secondary_health_check_id", "Route 53 health check ID watching the secondary NLB"),
        ("failover_record_fqdn", "Failover DNS name when dr:hostedZoneId is set, else null", NULLABLE),
        ("primary_serving_check_id", "Route 53 check behind the PRIMARY failover record, or null",
         NULLABLE),
        ("secondary_serving_check_id", "Route 53 check behind the SECONDARY failover record, or null",
         NULLABLE),
    ),
    consumes={"network-primary": _NETWORK_KEYS, "network-secondary": _NETWORK_KEYS},
)
