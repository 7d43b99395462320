"""monitoring: is a region down, and is every replication path keeping up? Alert topics in both
regions, alarms on each entry point and replication path, composite "region impaired" alarms,
backup-failure events and dashboards."""

import pulumi_aws as aws

from shared.components.alarms import RegionalAlarms, RegionalAlarmsArgs
from shared.components.alerting import RegionalAlerts, RegionalAlertsArgs
from shared.components.backup_events import BackupFailureEvents, BackupFailureEventsArgs, backup_rule_names
from shared.components.dashboards import Dashboard, DashboardArgs, dr_panels, regional_panels
from shared.components.metrics import ROUTE53_METRICS_REGION
from shared.components.monitored import RegionView, ReplicationView, pick
from shared.components.replication_alarms import ReplicationAlarms, ReplicationAlarmsArgs
from shared.config import current_settings
from shared.contracts.monitoring import ASYNC_FUNCTION_ROLES, FUNCTION_ROLES
from shared.naming import physical_name
from shared.stack_io import Upstream, export_outputs
from shared.strategy import PILOT_LIGHT

ROLES = ("primary", "secondary")

settings = current_settings()
env, tags = settings.environment, settings.resource_tags
upstream = Upstream("monitoring")
net = {role: upstream.outputs(f"network-{role}") for role in ROLES}
traffic, data, compute = (upstream.outputs(layer) for layer in ("global-traffic", "data", "compute"))
regions = {role: settings.regional(role).region for role in ROLES}
account_id = aws.get_caller_identity_output().account_id

# Route 53 alarms must live in us-east-1; it gets a topic of its own when it is not a DR region.
topic_roles = {**regions, **({} if ROUTE53_METRICS_REGION in regions.values()
                             else {"route53": ROUTE53_METRICS_REGION})}
alerts = {role: RegionalAlerts(f"alerts-{role}", RegionalAlertsArgs(
    env, region, account_id, settings.alert_email,
    backup_rule_names(env, region) if role in regions else [], settings.protect_data, tags))
    for role, region in topic_roles.items()}
topics = {topic_roles[role]: a.topic_arn for role, a in alerts.items()}

for role in ROLES:
    BackupFailureEvents(f"backup-events-{role}", BackupFailureEventsArgs(
        env, regions[role], data[f"{role}_vault_name"], data[f"{role}_vault_arn"],
        topics[regions[role]], tags))

views = {role: RegionView(
    role, regions[role], env, traffic[f"{role}_health_check_id"], net[role]["nlb_arn"],
    net[role]["nlb_target_group_arn"], compute[f"{role}_alb_arn"], compute[f"{role}_web_acl_name"],
    compute[f"{role}_api_name"],
    compute["api_stage_name"],
    pick(compute[f"{role}_function_names"], FUNCTION_ROLES, f"compute's {role}_function_names"),
    pick(compute[f"{role}_dead_letter_queue_names"], ASYNC_FUNCTION_ROLES,
         f"compute's {role}_dead_letter_queue_names"))
    for role in ROLES}
replication = ReplicationView(
    regions["primary"], regions["secondary"], data["primary_cluster_id"],
    data["secondary_cluster_id"], data["table_name"],
    data["primary_bucket_name"], data["secondary_bucket_name"], data["replication_rule_id"],
    data["reverse_replication_rule_id"])

regional = {role: RegionalAlarms(f"alarms-{role}", RegionalAlarmsArgs(
    env, views[role], topics, settings.lambda_error_alarm_threshold,
    settings.api_5xx_alarm_threshold, tags)) for role in ROLES}
replicating = ReplicationAlarms("replication", ReplicationAlarmsArgs(
    env, replication, topics, settings.replication_lag_alarm_seconds, tags,
    headless_region=regions["secondary"] if settings.strategy == PILOT_LIGHT else None))
alarms = [a for role in ROLES for a in regional[role].alarms] + replicating.alarms

# A regional dashboard's alarm strip shows the alarms of its own region only.
dashboards = [Dashboard(f"dashboard-{role}", DashboardArgs(
    physical_name("monitoring", env, regions[role]), regions[role], regional_panels(views[role]),
    [a.arn for a in alarms if a.region == regions[role]] + [regional[role].composite_arn]))
    for role in ROLES]
# The global view is served from the secondary: it is needed most while the primary is out.
dashboards.append(Dashboard("dashboard-overview", DashboardArgs(
    physical_name("overview", env), regions["secondary"],
    dr_panels(list(views.values()), replication, traffic["accelerator_arn"],
              traffic["listener_arn"]))))

export_outputs("monitoring", {
    "primary_topic_arn": topics[regions["primary"]],
    "secondary_topic_arn": topics[regions["secondary"]],
    "health_check_topic_arn": topics[ROUTE53_METRICS_REGION],
    "alarm_names": [a.name for a in alarms],
    "primary_region_impaired_alarm_name": regional["primary"].composite_name,
    "secondary_region_impaired_alarm_name": regional["secondary"].composite_name,
    "primary_region_impaired_alarm_arn": regional["primary"].composite_arn,
    "secondary_region_impaired_alarm_arn": regional["secondary"].composite_arn,
    "dashboard_names": [d.dashboard_name for d in dashboards],
    "dashboard_urls": [d.url for d in dashboards],
})
