"""data: every store replicated or copied to the secondary region, encrypted, kept in prod."""

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from shared.components.backup import CrossRegionBackup, CrossRegionBackupArgs, VaultSide
from shared.components.credentials import DatabaseCredentials, DatabaseCredentialsArgs
from shared.components.global_database import DATABASE_NAME, ClusterSide, GlobalDatabase, GlobalDatabaseArgs
from shared.components.global_table import GlobalTable, GlobalTableArgs
from shared.components.keys import RegionalKeys, RegionalKeysArgs
from shared.components.network import DB_PORT
from shared.components.parameters import RegionalParameters, RegionalParametersArgs
from shared.components.replicated_bucket import BucketSide, ReplicatedBucket, ReplicatedBucketArgs
from shared.config import current_settings
from shared.stack_io import Upstream, export_outputs
from shared.strategy import strategy

settings = current_settings()
env, tags, protect = settings.environment, settings.resource_tags, settings.protect_data
primary_region, secondary_region = settings.regions
upstream = Upstream("data")
net = {role: upstream.outputs(f"network-{role}") for role in ("primary", "secondary")}
account_id = aws.get_caller_identity_output().account_id

keys = RegionalKeys("data-keys", RegionalKeysArgs(
    env, primary_region, secondary_region, account_id, protect, tags))
bucket = ReplicatedBucket("data-bucket", ReplicatedBucketArgs(
    env, account_id, BucketSide(primary_region, keys.arn("primary")),
    BucketSide(secondary_region, keys.arn("secondary")), protect, tags))
table = GlobalTable("data-table", GlobalTableArgs(
    env, primary_region, secondary_region, keys.arn("primary"), keys.arn("secondary"), protect, tags))
credentials = DatabaseCredentials("data-db-credentials", DatabaseCredentialsArgs(
    env, primary_region, secondary_region, keys.arn("primary"), keys.arn("secondary"), protect, tags))


dr = strategy(settings.strategy)


def cluster_side(role: str, peer: str) -> ClusterSide:
    # A warm standby's secondary runs below the serving range until a failover raises it.
    capacity = settings.aurora_range(role)
    return ClusterSide(settings.regional(role).region, net[role]["private_subnet_ids"],
                       net[role]["database_security_group_id"], keys.arn(role), net[peer]["vpc_cidr"],
                       dr.secondary_acu(*capacity) if role == "secondary" else capacity)
database = GlobalDatabase("data-db", GlobalDatabaseArgs(
    env, cluster_side("primary", "secondary"), cluster_side("secondary", "primary"),
    settings.aurora_min_acu, settings.aurora_max_acu, settings.backup_retention_days, protect,
    credentials.password.result, settings.log_retention_days, tags, settings.aurora_extended_support,
    dr.secondary_instance))
clusters = {"primary": database.primary, "secondary": database.secondary}
vaults = {role: VaultSide(settings.regional(role).region, keys.arn(role),
                          [clusters[role].arn, table.arn(role)]) for role in clusters}
backup = CrossRegionBackup("data-backup", CrossRegionBackupArgs(
    env, vaults["primary"], vaults["secondary"], settings.backup_retention_days, protect, tags))

# One API key for both regions, so a client keeps working across a failover.
api_key = random.RandomPassword("data-api-key", length=40, special=False,
                                opts=pulumi.ResourceOptions(retain_on_delete=protect, protect=protect))
buckets = {"primary": bucket.primary, "secondary": bucket.secondary}
parameters = {role: RegionalParameters(f"data-parameters-{role}", RegionalParametersArgs(
    env, region, keys.arn(role), active_region=primary_region, api_key=api_key.result, tags=tags,
    protect=protect,
    values={"db/writer-endpoint": clusters[role].endpoint,
            "db/reader-endpoint": clusters[role].reader_endpoint, "db/port": str(DB_PORT),
            "db/secret-arn": credentials.arn(role), "table-name": table.table.name,
            "bucket-name": buckets[role].bucket}))
    for role, region in (("primary", primary_region), ("secondary", secondary_region))}

export_outputs("data", {
    "primary_kms_key_arn": keys.arn("primary"), "secondary_kms_key_arn": keys.arn("secondary"),
    "global_cluster_id": database.global_cluster.id,
    "global_cluster_endpoint": database.global_cluster.endpoint, "db_port": DB_PORT, "db_name": DATABASE_NAME,
    **{f"{role}_cluster_{key}": getattr(cluster, attr) for role, cluster in clusters.items()
       for key, attr in (("id", "cluster_identifier"), ("arn", "arn"), ("endpoint", "endpoint"),
                         ("reader_endpoint", "reader_endpoint"))},
    "db_secret_arn": credentials.arn("primary"), "secondary_db_secret_arn": credentials.arn("secondary"),
    "table_name": table.table.name, "table_arn": table.table.arn,
    **{f"{role}_bucket_{key}": getattr(b, attr) for role, b in buckets.items()
       for key, attr in (("name", "bucket"), ("arn", "arn"))},
    "replication_rule_id": bucket.rule_id, "reverse_replication_rule_id": bucket.reverse_rule_id,
    "primary_vault_name": backup.primary_vault.name, "primary_vault_arn": backup.primary_vault.arn,
    "secondary_vault_name": backup.secondary_vault.name,
    "secondary_vault_arn": backup.secondary_vault.arn,
    "parameter_prefix": parameters["primary"].prefix,
    "regional_parameter_prefix": parameters["primary"].regional_prefix,
    "active_region_parameter_name": parameters["primary"].active_region.name,
    # The REST door's usage plan needs the value itself (compute); exported as a secret.
    "api_key": api_key.result,
    # What a failover raises a warm standby to: the secondary's serving minimum.
    "dr_strategy": dr.name, "serving_min_acu": settings.aurora_range("secondary")[0],
}, keep_mirror=protect)
