"""data: keys, replicated buckets, the global table, the global database, backups, parameters."""

from shared.contracts.base import NUMBER, SECRET, LayerContract, outputs

_NETWORK_KEYS = (
    "region", "vpc_cidr", "private_subnet_ids", "app_security_group_id",
    "database_security_group_id",
)

DATA = LayerContract(
    name="data",
    description="KMS keys, S3 replication with RTC, DynamoDB global table, Aurora Global "
    "Database, AWS Backup with cross-region copy, SSM parameters in both regions",
    outputs=outputs(
        ("primary_kms_key_arn", "ARN of the customer-managed KMS key in the primary region"),
        ("secondary_kms_key_arn", "ARN of the customer-managed KMS key in the secondary region"),
        ("global_cluster_id", "Identifier of the Aurora global cluster"),
        ("global_cluster_endpoint", "Aurora global writer endpoint: always the writer of the "
         "current primary cluster, whichever region that is (writers connect here)"),
        ("primary_cluster_id", "Identifier of the primary Aurora cluster"),
        ("primary_cluster_arn", "ARN of the primary Aurora cluster"),
        ("primary_cluster_endpoint", "Writer endpoint of the primary Aurora cluster"),
        ("primary_cluster_reader_endpoint", "Reader endpoint of the primary Aurora cluster"),
        ("secondary_cluster_id", "Identifier of the secondary Aurora cluster"),
        ("secondary_cluster_arn", "ARN of the secondary Aurora cluster"),
        ("secondary_cluster_endpoint", "Writer endpoint of the secondary cluster (after promotion)"),
        ("secondary_cluster_reader_endpoint", "Reader endpoint of the secondary Aurora cluster"),
        ("db_port", "TCP port of the database", NUMBER),
        ("db_name", "Name of the application database"),
        ("db_secret_arn", "ARN of the Secrets Manager secret holding the master credentials, "
         "in the primary region"),
        ("secondary_db_secret_arn", "ARN of that secret's replica in the secondary region (what "
         "readers there, and everyone after a failover, use)"),
        ("table_name", "Name of the DynamoDB global table"),
        ("table_arn", "ARN of the DynamoDB global table (primary replica)"),
        ("primary_bucket_name", "Name of the primary S3 bucket (replication source)"),
        ("primary_bucket_arn", "ARN of the primary S3 bucket"),
        ("secondary_bucket_name", "Name of the secondary S3 bucket (replica)"),
        ("secondary_bucket_arn", "ARN of the secondary S3 bucket"),
        ("replication_rule_id", "ID of the S3 replication rule primary -> secondary (replication "
         "metrics are per rule)"),
        ("reverse_replication_rule_id", "ID of the S3 replication rule secondary -> primary, which "
         "carries writes made during a failover back for failback"),
        ("primary_vault_name", "Name of the AWS Backup vault in the primary region"),
        ("primary_vault_arn", "ARN of the AWS Backup vault in the primary region"),
        ("secondary_vault_name", "Name of the AWS Backup vault in the secondary region"),
        ("secondary_vault_arn", "ARN of the AWS Backup vault in the secondary region"),
        ("parameter_prefix", "SSM prefix of the values shared by both regions (replicated)"),
        ("regional_parameter_prefix", "SSM prefix of each region's own values (not replicated)"),
        ("active_region_parameter_name", "SSM parameter naming the active region (DR flips it)"),
        ("api_key", "The items API's key, sent as x-api-key on both doors (also the SecureString "
         "api-key under parameter_prefix)", SECRET),
        ("dr_strategy", "DR strategy the secondary stands by in (pilot-light: headless cluster, "
         "warm-standby: minimum capacity, hot-standby): what a failover brings up first"),
        ("serving_min_acu", "Serverless v2 minimum capacity of a serving writer, which a failover "
         "raises a standby cluster to", NUMBER),
    ),
    consumes={"network-primary": _NETWORK_KEYS, "network-secondary": _NETWORK_KEYS},
)
