"""monitoring: SNS per region, alarms on every failure and replication path, dashboards."""

from shared.contracts.base import LayerContract, outputs

_NETWORK_KEYS = ("region", "nlb_arn", "nlb_target_group_arn")

MONITORING = LayerContract(
    name="monitoring",
    description="SNS topics, CloudWatch alarms on health and replication, composite "
    "region-impaired alarms, dashboards",
    outputs=outputs(
        ("primary_topic_arn", "ARN of the alerts SNS topic in the primary region"),
        ("secondary_topic_arn", "ARN of the alerts SNS topic in the secondary region"),
        ("alarm_names", "Names of every CloudWatch metric alarm"),
        ("primary_region_impaired_alarm_name", "Composite alarm: users hurt in the primary"),
        ("secondary_region_impaired_alarm_name", "Composite alarm: users hurt in the secondary"),
        ("dashboard_names", "Names of the dashboards (primary, secondary, global)"),
        ("dashboard_urls", "CloudWatch console URLs of the dashboards"),
    ),
    consumes={
        "network-primary": _NETWORK_KEYS,
        "network-secondary": _NETWORK_KEYS,
        "global-traffic": ("accelerator_arn", "primary_health_check_id",
                           "secondary_health_check_id"),
        "data": ("global_cluster_id", "secondary_cluster_id", "primary_cluster_id",
                 "table_name", "primary_bucket_name", "secondary_bucket_name",
                 "primary_vault_name", "secondary_vault_name", "replication_rule_id"),
        "compute": ("primary_function_names", "secondary_function_names", "primary_api_id",
                    "secondary_api_id", "primary_api_name", "secondary_api_name",
                    "api_stage_name", "primary_alb_arn", "secondary_alb_arn"),
    },
)
