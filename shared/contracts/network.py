"""network-primary and network-secondary: one regional network each, the same contract."""

from shared.contracts.base import LIST, NUMBER, LayerContract, outputs

NETWORK_OUTPUTS = outputs(
    ("region", "AWS region of this network"),
    ("vpc_id", "ID of the VPC"),
    ("vpc_cidr", "IPv4 CIDR block of the VPC"),
    ("availability_zones", "Availability Zones the subnets span, in subnet order", LIST),
    ("public_subnet_ids", "IDs of the public subnets (one per AZ), home of the NLB", LIST),
    ("private_subnet_ids", "IDs of the private subnets (one per AZ): Lambda, ALB, Aurora", LIST),
    ("public_route_table_ids", "IDs of the public route tables", LIST),
    ("private_route_table_ids", "IDs of the private route tables (one per AZ)", LIST),
    ("nlb_arn", "ARN of the internet-facing Network Load Balancer (Global Accelerator endpoint)"),
    ("nlb_dns_name", "DNS name of the NLB (Route 53 health checks watch it)"),
    ("nlb_zone_id", "Canonical hosted zone ID of the NLB, for Route 53 alias records"),
    ("nlb_listener_port", "TCP port the NLB listens on", NUMBER),
    ("entry_protocol", "HTTPS when TLS ends at the ALB behind the NLB (certificates set), else HTTP"),
    ("nlb_target_group_arn", "ARN of the NLB's ALB-type target group (compute attaches the ALB)"),
    ("app_security_group_id", "Security group of the application (ALB, Lambda functions)"),
    ("database_security_group_id", "Security group of the database, open only to the app"),
    ("endpoint_security_group_id", "Security group of the interface VPC endpoints"),
    ("flow_log_group_name", "CloudWatch Logs group receiving the VPC flow logs"),
)

NETWORK_PRIMARY = LayerContract(
    name="network-primary",
    description="VPC, subnets, endpoints, NLB and security groups in the primary region",
    outputs=NETWORK_OUTPUTS,
)

NETWORK_SECONDARY = LayerContract(
    name="network-secondary",
    description="VPC, subnets, endpoints, NLB and security groups in the secondary region",
    outputs=NETWORK_OUTPUTS,
)
