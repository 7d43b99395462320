"""RegionalNetwork: one region's VPC, subnets, endpoints, NLB entry point and baseline groups."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components.iam import service_role
from shared.naming import lb_name, physical_name
from shared.settings import Settings

DB_PORT = 5432  # Aurora PostgreSQL
# The private subnets have no NAT: AWS APIs are reached through these endpoints only, which
# keeps per-AZ cost low and means a NAT outage cannot cut the application off from AWS.
GATEWAY_ENDPOINTS = ("s3", "dynamodb")
INTERFACE_ENDPOINTS = ("ssm", "secretsmanager", "kms", "sts")


@dataclass
class RegionalNetworkArgs:
    environment: str
    region: str
    vpc_cidr: ipaddress.IPv4Network
    az_count: int
    app_port: int
    health_check_path: str
    health_check_interval_seconds: int
    log_retention_days: int
    # HTTPS when certificates are configured: the ALB behind the NLB then terminates TLS.
    entry_protocol: str = "HTTP"
    # dr:protectData: the private tier outlives a destroy, with the stores kept in it.
    protect_data: bool = False
    tags: dict[str, str] = field(default_factory=dict)


def network_args(settings: Settings, role: str) -> RegionalNetworkArgs:
    """One region's network arguments, taken from the settings for `role`."""
    regional = settings.regional(role)
    return RegionalNetworkArgs(
        environment=settings.environment, region=regional.region, vpc_cidr=regional.vpc_cidr,
        az_count=settings.az_count, app_port=settings.app_port,
        health_check_path=settings.health_check_path,
        health_check_interval_seconds=settings.health_check_interval_seconds,
        log_retention_days=settings.log_retention_days, protect_data=settings.protect_data,
        entry_protocol=settings.entry_protocol, tags=settings.resource_tags)


class RegionalNetwork(pulumi.ComponentResource):
    """Owns a region's VPC, public/private subnets over `az_count` AZs, IGW and route tables,
    S3/DynamoDB gateway and AWS-API interface endpoints, the internet-facing NLB with its
    ALB-type target group and listener, the app/database/endpoint security groups and VPC
    flow logs. Exposes the IDs the network contract publishes."""

    def __init__(self, name: str, args: RegionalNetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:network:RegionalNetwork", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        # With dr:protectData the data layer keeps its clusters and their subnet groups on
        # destroy; they live in this VPC's private tier, which must stay for them to be
        # reachable (and AWS would refuse to delete subnets and groups they still use). The
        # public tier (IGW, NLB, public subnets) has no store in it and goes.
        self._kept = pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect_data)
        region = args.region

        # Every zone of the region whatever its state: during an AZ incident AWS still lists
        # the zone (as impaired), so the choice below never shifts and no subnet is replaced.
        # Read before any resource exists, so a region too small stops the program untouched.
        zones = aws.get_availability_zones(
            region=region, filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(parent=self))
        self.zone_ids = pinned_zone_ids(region, list(zones.zone_ids), args.az_count)
        names = dict(zip(zones.zone_ids, zones.names, strict=True))
        self.availability_zones = [names[zone_id] for zone_id in self.zone_ids]

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc", cidr_block=str(args.vpc_cidr), enable_dns_support=True,
            enable_dns_hostnames=True, region=region, tags=self._tags("vpc"), opts=self._kept)
        # Sixteen equal blocks: public subnets take the first, private ones the ninth on, so
        # growing az_count never renumbers an existing subnet.
        blocks = list(args.vpc_cidr.subnets(prefixlen_diff=4))
        self.public_subnets = [self._subnet("public", i, blocks[i]) for i in range(args.az_count)]
        self.private_subnets = [
            self._subnet("private", i, blocks[8 + i]) for i in range(args.az_count)]

        self.internet_gateway = igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, region=region, tags=self._tags("igw"), opts=child)
        self.public_route_table = aws.ec2.RouteTable(
            f"{name}-public-rt", vpc_id=self.vpc.id, region=region,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags=self._tags("public"), opts=child)
        self.private_route_tables = []
        for i, subnet in enumerate(self.public_subnets):
            aws.ec2.RouteTableAssociation(
                f"{name}-public-rta-{i}", subnet_id=subnet.id, region=region,
                route_table_id=self.public_route_table.id, opts=child)
        # One private table per AZ: peering routes go in all, and an AZ can get its own
        # egress later without touching the others.
        for i, subnet in enumerate(self.private_subnets):
            table = aws.ec2.RouteTable(f"{name}-private-rt-{i}", vpc_id=self.vpc.id,
                                       region=region, tags=self._tags(f"private-{i}"),
                                       opts=self._kept)
            aws.ec2.RouteTableAssociation(f"{name}-private-rta-{i}", subnet_id=subnet.id,
                                          route_table_id=table.id, region=region, opts=self._kept)
            self.private_route_tables.append(table)

        self._security_groups()
        self._endpoints()
        self._load_balancer()
        self._flow_logs()

        self.register_outputs({
            "vpc_id": self.vpc.id,
            "nlb_arn": self.nlb.arn,
            "nlb_dns_name": self.nlb.dns_name,
        })

    def _tags(self, what: str) -> dict[str, str]:
        return {**self._args.tags, "Name": f"{physical_name(what, self._args.environment)}"
                f"-{self._args.region}"}

    def _subnet(self, tier: str, index: int, block: ipaddress.IPv4Network) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{self._name}-{tier}-{index}", vpc_id=self.vpc.id, cidr_block=str(block),
            availability_zone_id=self.zone_ids[index],
            map_public_ip_on_launch=False, region=self._args.region,
            tags={**self._tags(f"{tier}-{index}"), "Tier": tier},
            opts=self._kept if tier == "private" else pulumi.ResourceOptions(parent=self))

    def _security_group(self, what: str, description: str,
                        kept: bool = False) -> aws.ec2.SecurityGroup:
        group = aws.ec2.SecurityGroup(
            f"{self._name}-{what}-sg", vpc_id=self.vpc.id, description=description,
            region=self._args.region, tags=self._tags(what),
            opts=self._kept if kept else pulumi.ResourceOptions(parent=self))
        return group

    def _ingress(self, what: str, group: aws.ec2.SecurityGroup, port: int, description: str,
                 cidr: str | None = None, source: aws.ec2.SecurityGroup | None = None,
                 kept: bool = False) -> None:
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-{what}", security_group_id=group.id, ip_protocol="tcp",
            from_port=port, to_port=port, cidr_ipv4=cidr, description=description,
            referenced_security_group_id=source.id if source else None,
            region=self._args.region, tags=self._tags(what),
            opts=self._kept if kept else pulumi.ResourceOptions(parent=self))

    def _egress(self, what: str, group: aws.ec2.SecurityGroup, description: str,
                port: int | None = None, cidr: str = "0.0.0.0/0", kept: bool = False) -> None:
        aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-{what}", security_group_id=group.id, cidr_ipv4=cidr,
            ip_protocol="tcp" if port else "-1", from_port=port, to_port=port,
            description=description, region=self._args.region, tags=self._tags(what),
            opts=self._kept if kept else pulumi.ResourceOptions(parent=self))

    def _security_groups(self) -> None:
        args, vpc_cidr = self._args, str(self._args.vpc_cidr)
        self.nlb_sg = self._security_group("nlb", "Public entry: the NLB listener")
        # Kept with the private tier: the database group and the application group its rule
        # names (a group another group's rule references cannot be deleted), the endpoints'.
        self.app_sg = self._security_group("app", "Application: ALB and Lambda functions",
                                           kept=True)
        self.db_sg = self._security_group("db", "Database: reachable from the application only",
                                          kept=True)
        self.endpoint_sg = self._security_group("vpce", "Interface endpoints: HTTPS from VPC",
                                                kept=True)
        # The listener port is the one world-open port: Global Accelerator preserves client IPs
        # and Route 53 health checkers probe from the internet.
        self._ingress("nlb-in", self.nlb_sg, args.app_port, "Clients and health checkers",
                      cidr="0.0.0.0/0")
        self._egress("nlb-out", self.nlb_sg, "To the ALB", port=args.app_port, cidr=vpc_cidr)
        self._ingress("app-in", self.app_sg, args.app_port, "From the NLB", source=self.nlb_sg)
        self._egress("app-out", self.app_sg, "AWS APIs via endpoints, database, Lambda",
                     kept=True)
        self._ingress("db-in", self.db_sg, DB_PORT, "From the application", source=self.app_sg,
                      kept=True)
        self._ingress("vpce-in", self.endpoint_sg, 443, "HTTPS from the VPC", cidr=vpc_cidr,
                      kept=True)

    def _endpoints(self) -> None:
        # Kept with the private tier: without NAT they are its only way to KMS and Secrets
        # Manager, which reading a kept cluster needs.
        region, child = self._args.region, self._kept
        for service in GATEWAY_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service}-endpoint", vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}", vpc_endpoint_type="Gateway",
                route_table_ids=[t.id for t in self.private_route_tables], region=region,
                tags=self._tags(f"{service}-endpoint"), opts=child)
        for service in INTERFACE_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service}-endpoint", vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}", vpc_endpoint_type="Interface",
                private_dns_enabled=True, subnet_ids=[s.id for s in self.private_subnets],
                security_group_ids=[self.endpoint_sg.id], region=region,
                tags=self._tags(f"{service}-endpoint"), opts=child)

    def _load_balancer(self) -> None:
        args, child = self._args, pulumi.ResourceOptions(parent=self)
        # Nothing the NLB takes references the gateway, yet AWS refuses an internet-facing load
        # balancer in a VPC without one ("VPC ... has no internet gateway"; CloudFormation's
        # DependsOn guide names this case). The edge also orders destroy: the NLB's public
        # addresses go before the gateway is detached, which they would otherwise block.
        self.nlb = aws.lb.LoadBalancer(
            f"{self._name}-nlb", name=lb_name("nlb", args.environment, args.region),
            load_balancer_type="network", internal=False,
            subnets=[s.id for s in self.public_subnets], security_groups=[self.nlb_sg.id],
            enable_cross_zone_load_balancing=True, region=args.region,
            tags=self._tags("nlb"),
            # An NLB cannot lose a subnet in place (a lower dr:azCount, a new VPC range): the
            # provider replaces it, and a replacement created first under the same name is
            # refused (DuplicateLoadBalancerName) half-way. The old one goes first; the region's
            # entry point is down until the new one is up, as it would be with any new NLB.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.internet_gateway],
                                        delete_before_replace=True))
        # Global Accelerator judges an NLB endpoint by this target group's health, so the
        # check goes through the ALB to the application's real health path, in the protocol
        # the ALB listens with (an ALB-type target group checks with HTTP or HTTPS). The
        # listener stays TCP: client IP preservation, which Global Accelerator's NLB endpoints
        # use, does not work with a TLS listener, so TLS ends at the ALB, not here.
        # A new dr:appPort or VPC range replaces the target group (port and vpc_id cannot change
        # in place). Both are in the name so the replacement can exist beside the old group
        # while the listener moves over: create-before-destroy with a fixed name would be
        # refused as a duplicate, and the old group cannot go first while the listener uses it.
        self.target_group = aws.lb.TargetGroup(
            f"{self._name}-tg", name=lb_name(target_group_kind(args.app_port, args.vpc_cidr),
                                             args.environment, args.region),
            target_type="alb", protocol="TCP", port=args.app_port, vpc_id=self.vpc.id,
            health_check={
                "enabled": True, "protocol": args.entry_protocol, "port": "traffic-port",
                "path": args.health_check_path, "matcher": "200-399",
                "interval": args.health_check_interval_seconds,
                "healthy_threshold": 3, "unhealthy_threshold": 3,
            },
            region=args.region, tags=self._tags("tg"), opts=child)
        self.listener = aws.lb.Listener(
            f"{self._name}-listener", load_balancer_arn=self.nlb.arn, port=args.app_port,
            protocol="TCP",
            default_actions=[{"type": "forward", "target_group_arn": self.target_group.arn}],
            region=args.region, tags=self._tags("listener"), opts=child)

    def _flow_logs(self) -> None:
        args, child = self._args, pulumi.ResourceOptions(parent=self)
        self.flow_log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs",
            name=f"/dr/{args.environment}/{args.region}/vpc-flow-logs",
            retention_in_days=args.log_retention_days, region=args.region,
            tags=self._tags("flow-logs"), opts=child)
        # The account the flow logs are delivered for, as AWS's flow-log role example conditions it.
        role = service_role(f"{self._name}-flow-logs-role", "vpc-flow-logs.amazonaws.com",
                            self._tags("flow-logs-role"), child,
                            source_account=aws.get_caller_identity_output().account_id)
        policy = aws.iam.RolePolicy(
            f"{self._name}-flow-logs-policy", role=role.id,
            policy=self.flow_log_group.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents",
                               "logs:DescribeLogStreams"],
                    "Resource": [arn, f"{arn}:*"],
                }],
            })),
            opts=child)
        aws.ec2.FlowLog(
            f"{self._name}-flow-log", vpc_id=self.vpc.id, traffic_type="ALL",
            log_destination_type="cloud-watch-logs", log_destination=self.flow_log_group.arn,
            iam_role_arn=role.arn, max_aggregation_interval=60, region=args.region,
            tags=self._tags("flow-log"),
            # The role alone lets the flow log be created, but it delivers nothing until the
            # policy exists: records of the first minutes would be lost.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]))

    def contract_values(self) -> dict[str, pulumi.Input[object]]:
        """The network contract's values, keyed by output name."""
        return {
            "region": self._args.region,
            "vpc_id": self.vpc.id,
            "vpc_cidr": self.vpc.cidr_block,
            "availability_zones": self.availability_zones,
            "public_subnet_ids": [s.id for s in self.public_subnets],
            "private_subnet_ids": [s.id for s in self.private_subnets],
            "public_route_table_ids": [self.public_route_table.id],
            "private_route_table_ids": [t.id for t in self.private_route_tables],
            "nlb_arn": self.nlb.arn,
            "nlb_dns_name": self.nlb.dns_name,
            "nlb_zone_id": self.nlb.zone_id,
            "nlb_listener_port": self._args.app_port,
            "entry_protocol": self._args.entry_protocol,
            "nlb_target_group_arn": self.target_group.arn,
            "app_security_group_id": self.app_sg.id,
            "database_security_group_id": self.db_sg.id,
            "endpoint_security_group_id": self.endpoint_sg.id,
            "flow_log_group_name": self.flow_log_group.name,
        }


def target_group_kind(port: int, vpc_cidr: ipaddress.IPv4Network) -> str:
    """`t` and four hex digits of the port and range: what forces a new target group, in the
    five characters a 32-character name leaves (the port alone could take all of them)."""
    return "t" + hashlib.sha256(f"{port}/{vpc_cidr}".encode()).hexdigest()[:4]


def pinned_zone_ids(region: str, zone_ids: list[str], count: int) -> list[str]:
    """The `count` lowest-numbered zone IDs of the region (use1-az1, use1-az2, ...).

    Zone IDs name the same physical zone in every account (names like us-east-1a do not), and
    AWS numbers new zones upward, so the choice stays put as long as the region exists.
    """
    if len(zone_ids) < count:
        raise pulumi.RunError(
            f"dr:azCount is {count} but {region} has only {len(zone_ids)} Availability Zones; "
            f"set dr:azCount to {len(zone_ids)} or pick a region with {count} zones")
    return sorted(zone_ids, key=lambda zone_id: int(zone_id.rsplit("az", 1)[1]))[:count]
