"""GlobalDatabase: an Aurora PostgreSQL Global Database on Serverless v2 across two regions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components.engine_version import ENGINE, LIFECYCLE_SUPPORT, deployable_version
from shared.components.network import DB_PORT
from shared.naming import physical_name, region_code

# The version lives on the global cluster only: raising ENGINE_VERSION (engine_version.py)
# upgrades every member through the global cluster (minor: member by member; major:
# ModifyGlobalCluster), the one upgrade path AWS allows for a global database. Members ignore
# their own copy, which the upgrade rewrites.
DATABASE_NAME = "app"
MASTER_USERNAME = "dradmin"
# After a switchover or failover AWS rewrites cluster membership under the program; Pulumi must
# not "repair" it by detaching or promoting a cluster on the next `up`.
MEMBERSHIP_DRIFT = ["globalClusterIdentifier", "replicationSourceIdentifier"]
# After an upgrade through the global cluster a member's pinned version is a downgrade.
UPGRADED_BY_GLOBAL_CLUSTER = ["engineVersion"]
# RDS creates the export log group itself (unencrypted, kept forever) unless it already exists.
LOG_EXPORTS = ("postgresql",)


@dataclass
class ClusterSide:
    region: str
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    security_group_id: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    peer_cidr: pulumi.Input[str]  # the other region's VPC, reaching this cluster over peering
    capacity: tuple[float, float] | None = None  # (min, max) ACU; None: GlobalDatabaseArgs' range


@dataclass
class GlobalDatabaseArgs:
    environment: str
    primary: ClusterSide
    secondary: ClusterSide
    min_acu: float
    max_acu: float
    backup_retention_days: int
    protect: bool
    master_password: pulumi.Input[str]
    log_retention_days: int
    tags: dict[str, str] = field(default_factory=dict)
    # dr:auroraExtendedSupport: paid RDS Extended Support at the end of standard support, or an
    # upgrade by RDS to a supported major version then.
    extended_support: bool = False
    # dr:strategy pilot-light (shared/strategy.py) leaves the secondary cluster headless.
    secondary_instance: bool = True


class GlobalDatabase(pulumi.ComponentResource):
    """Owns the global cluster, the primary regional cluster (writer) with its db.serverless
    instance, and the secondary cluster joined to it with its own instance, each on a DB subnet
    group over that region's private subnets, encrypted with that region's key, and the
    KMS-encrypted log group each cluster exports to. Dev is fully destroyable; protected
    environments get deletion protection and a final snapshot, and keep the clusters with their
    instances, subnet groups and log groups when destroyed."""

    def __init__(self, name: str, args: GlobalDatabaseArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:GlobalDatabase", name, None, opts)
        self._name, self._args = name, args
        # protect: a plain `pulumi destroy` refuses instead of relying on invoke's guard.
        self._kept = pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect, protect=args.protect)
        identifier = physical_name("aurora", args.environment)
        # Read before any resource exists, so a version AWS no longer offers stops the program.
        self.engine_version = deployable_version(
            identifier, [args.primary.region, args.secondary.region], self)
        self._lifecycle = LIFECYCLE_SUPPORT[args.extended_support]
        self.global_cluster = aws.rds.GlobalCluster(
            f"{name}-global", global_cluster_identifier=identifier,
            engine=ENGINE, engine_version=self.engine_version, database_name=DATABASE_NAME,
            engine_lifecycle_support=self._lifecycle,
            storage_encrypted=True, deletion_protection=args.protect,
            region=args.primary.region, tags=args.tags,
            # ModifyGlobalCluster cannot change the lifecycle (CreateGlobalCluster and
            # ModifyDBCluster can, per the RDS API model): set at creation, the members carry it.
            opts=pulumi.ResourceOptions.merge(self._kept, pulumi.ResourceOptions(
                ignore_changes=["engineLifecycleSupport"])))
        self.primary = self._cluster("primary", args.primary, credentials=True)
        self.primary_instance = self._instance("primary", args.primary, self.primary)
        # AWS rejects a secondary until the primary has a writer instance to replicate from.
        self.secondary = self._cluster("secondary", args.secondary, credentials=False,
                                       after=[self.primary_instance])
        # A headless secondary still replicates (storage-level), billed for storage only.
        self.secondary_instance = (self._instance("secondary", args.secondary, self.secondary)
                                   if args.secondary_instance else None)
        self.register_outputs({"global_cluster_id": self.global_cluster.id,
                               "primary_cluster_arn": self.primary.arn,
                               "secondary_cluster_arn": self.secondary.arn})

    def _cluster(self, role: str, side: ClusterSide, credentials: bool,
                 after: Sequence[pulumi.Resource] = ()) -> aws.rds.Cluster:
        args, name = self._args, f"{self._name}-{role}"
        identifier = physical_name("aurora", args.environment, side.region)
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets", name=f"{identifier}-subnets", subnet_ids=side.subnet_ids,
            description=f"Private subnets of the {role} Aurora cluster", region=side.region,
            tags=args.tags, opts=self._kept)
        logs = [aws.cloudwatch.LogGroup(
            f"{name}-{kind}-logs", name=f"/aws/rds/cluster/{identifier}/{kind}",
            retention_in_days=args.log_retention_days, kms_key_id=side.kms_key_arn,
            region=side.region, tags=args.tags, opts=self._kept) for kind in LOG_EXPORTS]
        # The application in the other region reaches this cluster over the VPC peering
        # (writes after a failover go to whichever cluster is the writer).
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-from-peer", security_group_id=side.security_group_id, ip_protocol="tcp",
            from_port=DB_PORT, to_port=DB_PORT, cidr_ipv4=side.peer_cidr,
            description="PostgreSQL from the peer region's VPC", region=side.region,
            tags=args.tags, opts=pulumi.ResourceOptions(parent=self))
        # A cross-region member takes its credentials and database from the global cluster;
        # AWS rejects both when given. Only the primary carries them.
        # A final snapshot is taken of the writer; the secondary holds the same data.
        final_snapshot = args.protect and credentials
        low, high = side.capacity or (args.min_acu, args.max_acu)
        return aws.rds.Cluster(
            name, cluster_identifier=identifier, engine=ENGINE, engine_version=self.engine_version,
            engine_lifecycle_support=self._lifecycle,
            engine_mode="provisioned", global_cluster_identifier=self.global_cluster.id,
            db_subnet_group_name=subnets.name, vpc_security_group_ids=[side.security_group_id],
            port=DB_PORT, storage_encrypted=True, kms_key_id=side.kms_key_arn,
            # Each cluster's own range, so one region's can be raised without touching the other.
            serverlessv2_scaling_configuration={"min_capacity": low, "max_capacity": high},
            # Aurora keeps automated backups 1-35 days; AWS Backup holds anything longer.
            backup_retention_period=min(args.backup_retention_days, 35),
            copy_tags_to_snapshot=True, deletion_protection=args.protect,
            skip_final_snapshot=not final_snapshot,
            final_snapshot_identifier=f"{identifier}-final" if final_snapshot else None,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS), region=side.region,
            # The RDS Data API (HTTPS, IAM + the master secret) is how a drill writes and reads its
            # heartbeats from outside the VPC. Supported for Aurora PostgreSQL 16.1+ Serverless v2
            # in both regions, on both members of a global database (a secondary answers once
            # promoted). Turning it on is an in-place EnableHttpEndpoint call, no replacement.
            enable_http_endpoint=True,
            master_username=MASTER_USERNAME if credentials else None,
            master_password=args.master_password if credentials else None,
            database_name=DATABASE_NAME if credentials else None,
            tags={**args.tags, "Name": identifier, "Role": role},
            opts=pulumi.ResourceOptions.merge(self._kept, pulumi.ResourceOptions(
                depends_on=[*after, *logs],
                ignore_changes=MEMBERSHIP_DRIFT + UPGRADED_BY_GLOBAL_CLUSTER)))

    def _instance(self, role: str, side: ClusterSide,
                  cluster: aws.rds.Cluster) -> aws.rds.ClusterInstance:
        args = self._args
        # No engine version: an Aurora instance runs its cluster's. No automatic minor upgrades:
        # members of a global database do not take them, and a member upgraded on its own
        # would leave the regions on different versions.
        return aws.rds.ClusterInstance(
            f"{self._name}-{role}-instance",
            identifier=f"dr-aurora-{args.environment}-{region_code(side.region)}-1",
            cluster_identifier=cluster.id, instance_class="db.serverless",
            engine=aws.rds.EngineType.AURORA_POSTGRESQL, publicly_accessible=False,
            auto_minor_version_upgrade=False, region=side.region, tags=args.tags,
            # Deleting a kept cluster's last instance fails (InvalidDBClusterStateFault) and a
            # cluster without instances serves nothing: protected environments keep them. The
            # secondary's is kept but not `protect`ed: switching dr:strategy to pilot-light removes
            # it from the stack, and Pulumi fails any update that deletes a protected resource
            # (pulumi.com/docs/iac/concepts/options/protect); it holds no data (storage is the
            # cluster's), and retain_on_delete leaves it running in AWS.
            opts=pulumi.ResourceOptions.merge(self._kept, pulumi.ResourceOptions(
                ignore_changes=UPGRADED_BY_GLOBAL_CLUSTER,
                protect=args.protect and role == "primary")))
