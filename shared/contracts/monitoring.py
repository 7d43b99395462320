"""monitoring: SNS per region, alarms on every failure and replication path, dashboards."""

from shared.contracts.base import LIST, LayerContract, outputs

_NETWORK_KEYS = ("nlb_arn", "nlb_target_group_arn")

# Keys of compute's `<role>_function_names` maps that get Errors and Throttles alarms. They
# must be known before the maps resolve (a resource per key cannot be created inside an
# apply); tests/stacks/test_monitoring.py fails when compute's maps and this list diverge.
FUNCTION_ROLES = ("health", "api", "parameter_replicator", "event_processor")
# The asynchronous ones: each has a dead-letter queue (compute's `<role>_dead_letter_queue_names`)
# with a depth alarm here, and `invoke redrive` replays what is in it.
ASYNC_FUNCTION_ROLES = ("parameter_replicator", "event_processor")

MONITORING = LayerContract(
    name="monitoring",
    description="SNS topics, CloudWatch alarms on health and replication, composite "
    "region-impaired alarms, backup-failure events, dashboards",
    outputs=outputs(
        ("primary_topic_arn", "ARN of the alerts SNS topic in the primary region"),
        ("secondary_topic_arn", "ARN of the alerts SNS topic in the secondary region"),
        ("health_check_topic_arn", "ARN of the topic the Route 53 health-check alarms notify "
                                   "(us-east-1, the only region with Route 53 metrics)"),
        ("alarm_names", "Names of every CloudWatch metric alarm", LIST),
        ("primary_region_impaired_alarm_name", "Composite alarm: users hurt in the primary"),
        ("secondary_region_impaired_alarm_name", "Composite alarm: users hurt in the secondary"),
        ("primary_region_impaired_alarm_arn", "ARN of the primary's composite alarm (the Region "
                                              "switch plan's associated alarm)"),
        ("secondary_region_impaired_alarm_arn", "ARN of the secondary's composite alarm"),
        ("dashboard_names", "Names of the dashboards (primary, secondary, global)", LIST),
        ("dashboard_urls", "CloudWatch console URLs of the dashboards", LIST),
    ),
    consumes={
        "network-primary": _NETWORK_KEYS,
        "network-secondary": _NETWORK_KEYS,
        "global-traffic": ("accelerator_arn", "listener_arn", "primary_health_check_id",
                           "secondary_health_check_id"),
        "data": ("primary_cluster_id", "secondary_cluster_id", "table_name", "primary_bucket_name",
                 "secondary_bucket_name", "replication_rule_id", "reverse_replication_rule_id",
                 "primary_vault_name", "secondary_vault_name", "primary_vault_arn", "secondary_vault_arn"),
        "compute": ("primary_function_names", "secondary_function_names", "primary_alb_arn",
                    "secondary_alb_arn", "primary_web_acl_name", "secondary_web_acl_name",
                    "primary_api_name",
                    "secondary_api_name", "api_stage_name", "primary_dead_letter_queue_names",
                    "secondary_dead_letter_queue_names"),
    },
)
