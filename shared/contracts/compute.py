"""compute: Lambda in both regions, NLB -> ALB -> Lambda, API Gateway, EventBridge."""

from shared.contracts.base import MAP, NULLABLE, LayerContract, outputs

_NETWORK_KEYS = (
    "region", "vpc_id", "vpc_cidr", "public_subnet_ids", "private_subnet_ids", "app_security_group_id",
    "nlb_target_group_arn", "nlb_listener_port",
)

COMPUTE = LayerContract(
    name="compute",
    description="Lambda functions, the NLB-to-ALB application path, API Gateway with optional "
    "custom domains, EventBridge buses and Global Endpoint, parameter replication",
    outputs=outputs(
        ("primary_function_arns", "Map of function role (health, api, ...) to ARN, primary", MAP),
        ("secondary_function_arns", "Map of function role (health, api, ...) to ARN, secondary", MAP),
        ("primary_function_names", "Map of function role to function name, primary region", MAP),
        ("secondary_function_names", "Map of function role to function name, secondary region", MAP),
        ("primary_alb_arn", "ARN of the internal ALB behind the primary NLB"),
        ("primary_alb_dns_name", "DNS name of the primary ALB"),
        ("secondary_alb_arn", "ARN of the internal ALB behind the secondary NLB"),
        ("secondary_alb_dns_name", "DNS name of the secondary ALB"),
        ("primary_web_acl_name", "Name of the primary WAF web ACL on the ALB and the REST stage "
         "(the WebACL dimension of AWS/WAFV2 metrics)"),
        ("secondary_web_acl_name", "Name of the secondary WAF web ACL"),
        ("primary_api_id", "ID of the primary REST API"),
        ("secondary_api_id", "ID of the secondary REST API"),
        ("primary_api_name", "Name of the primary REST API (CloudWatch's ApiName dimension)"),
        ("secondary_api_name", "Name of the secondary REST API"),
        ("api_stage_name", "Name of the deployed stage of both REST APIs"),
        ("primary_api_url", "Invoke URL of the primary REST API's prod stage"),
        ("secondary_api_url", "Invoke URL of the secondary REST API's prod stage"),
        ("primary_custom_domain", "Custom domain of the primary API, or null", NULLABLE),
        ("primary_custom_domain_target", "Regional target DNS name for the primary, or null", NULLABLE),
        ("secondary_custom_domain", "Custom domain of the secondary API, or null", NULLABLE),
        ("secondary_custom_domain_target", "Regional target DNS name for the secondary, or null", NULLABLE),
        ("api_failover_fqdn", "The REST API's one name for both regions (dr:apiRecordName), "
         "failing over with the failover records, or null", NULLABLE),
        ("event_bus_name", "Name of the custom event bus (the same in both regions)"),
        ("primary_event_bus_arn", "ARN of the primary event bus"),
        ("secondary_event_bus_arn", "ARN of the secondary event bus"),
        ("primary_dead_letter_queue_names", "Map of asynchronous function role to the name of its "
         "SQS dead-letter queue (failed invocations and events), primary region", MAP),
        ("secondary_dead_letter_queue_names", "The same map for the secondary region", MAP),
        ("global_endpoint_id", "EndpointId of the EventBridge Global Endpoint, as PutEvents "
         "takes it (e.g. abcde.veo; signing needs SigV4a: awscrt)"),
        ("global_endpoint_url", "URL of the EventBridge Global Endpoint"),
    ),
    consumes={
        "network-primary": _NETWORK_KEYS,
        "network-secondary": _NETWORK_KEYS,
        "data": (
            "table_name", "table_arn", "parameter_prefix", "active_region_parameter_name",
            "primary_kms_key_arn", "secondary_kms_key_arn", "primary_cluster_reader_endpoint",
            "secondary_cluster_reader_endpoint", "db_port", "api_key",
        ),
        "global-traffic": ("primary_health_check_id", "secondary_health_check_id",
                           "primary_serving_check_id", "secondary_serving_check_id"),
    },
)
