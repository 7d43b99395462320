"""recovery: the failover runbook as an ARC Region switch plan, beside the resources it moves."""

from shared.contracts.base import NULLABLE, LayerContract, outputs

RECOVERY = LayerContract(
    name="recovery",
    description="ARC Region switch plan (the failover runbook in the account), its execution "
    "role and the custom-action functions it runs in the activating region",
    outputs=outputs(
        ("plan_arn", "ARN of the ARC Region switch plan, or null when dr:regionSwitchPlan is off "
                     "(then `invoke failover` runs the client-side sequence)", NULLABLE),
        ("plan_name", "Name of the Region switch plan, or null", NULLABLE),
        ("execution_role_arn", "ARN of the role the plan's executions run as, or null", NULLABLE),
        ("approval_role_arn", "ARN of the role an approver assumes to answer the plan's manual "
                              "approval (protected environments), or null", NULLABLE),
        ("primary_action_function_name", "Custom-action function of the plan in the primary "
                                         "region (fence, traffic dials, active-region flag), or null",
         NULLABLE),
        ("secondary_action_function_name", "The same function in the secondary region, or null",
         NULLABLE),
        ("primary_action_function_arn", "ARN of the primary action function, or null", NULLABLE),
        ("secondary_action_function_arn", "ARN of the secondary action function, or null", NULLABLE),
    ),
    consumes={
        "data": ("global_cluster_id", "primary_cluster_arn", "secondary_cluster_arn",
                 "active_region_parameter_name", "regional_parameter_prefix", "table_name",
                 "secondary_bucket_name",
                 "primary_kms_key_arn", "secondary_kms_key_arn"),
        "global-traffic": ("primary_endpoint_group_arn",
                           "secondary_endpoint_group_arn", "primary_traffic_dial",
                           "secondary_traffic_dial"),
        "monitoring": ("primary_region_impaired_alarm_arn", "secondary_region_impaired_alarm_arn"),
    },
)
