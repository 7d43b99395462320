"""compute: Lambda in both regions behind NLB -> ALB and API Gateway, EventBridge buses with a
Global Endpoint, and Parameter Store changes copied to the other region."""

import pulumi_aws as aws

from shared.components.api_failover_dns import ApiFailoverDns, ApiFailoverDnsArgs, ApiTarget
from shared.components.application import RegionalApplication, RegionalApplicationArgs, RegionSide
from shared.components.events import AsyncTarget, CrossRegionEvents, CrossRegionEventsArgs, RegionalEvents
from shared.components.rest_api import STAGE, CustomDomain
from shared.config import current_settings
from shared.stack_io import Upstream, export_outputs
from shared.strategy import HOT_STANDBY

ROLES = ("primary", "secondary")

settings = current_settings()
upstream = Upstream("compute")
networks = {role: upstream.outputs(f"network-{role}") for role in ROLES}
data = upstream.outputs("data")
account_id = aws.get_caller_identity_output().account_id
# AWS's published Route 53 health-checker ranges: WAF always lets them reach the health path.
route53_checkers = aws.get_ip_ranges_output(services=["route53_healthchecks"]).cidr_blocks
# Health probes its own cluster's reader endpoint: it answers in either role, while a regional
# writer endpoint goes inactive when its cluster becomes a secondary.
sides = {role: RegionSide(settings.regional(role).region, data[f"{role}_kms_key_arn"],
                          data[f"{role}_cluster_reader_endpoint"], networks[role])
         for role in ROLES}


def shared_domain(role: str) -> CustomDomain | None:
    certificate = settings.regional(role).certificate_arn
    if settings.api_record_name and certificate:
        return CustomDomain(settings.api_record_name, certificate)
    return None


def custom_domain(role: str) -> CustomDomain | None:
    regional = settings.regional(role)
    if regional.domain and regional.certificate_arn:
        return CustomDomain(regional.domain, regional.certificate_arn)
    return None


apps = {role: RegionalApplication(f"app-{role}", RegionalApplicationArgs(
    settings.environment, account_id, sides[role], sides[peer], data["table_name"],
    data["parameter_prefix"], data["active_region_parameter_name"], data["db_port"],
    settings.app_port, settings.health_check_path, settings.log_retention_days,
    settings.api_throttle_rate_limit, settings.api_throttle_burst_limit,
    settings.health_reserved_concurrency, data["api_key"], primary_region=sides["primary"].region,
    domain=custom_domain(role), shared_domain=shared_domain(role),
    route53_checker_cidrs=route53_checkers,
    owns_api_gateway_account=settings.api_gateway_account_owner,
    entry_certificate_arn=settings.regional(role).certificate_arn if settings.entry_tls else None,
    tags=settings.resource_tags,
    # Only the deployed secondary's cluster is ever headless (a pilot light's standby).
    strategy=settings.strategy if role == "secondary" else HOT_STANDBY))
    for role, peer in (("primary", "secondary"), ("secondary", "primary"))}


def async_target(role: str, function: str) -> AsyncTarget:
    built = apps[role].functions[function]
    return AsyncTarget(built.function.arn, built.function.name, built.queue.arn, built.queue.url)


events = CrossRegionEvents("events", CrossRegionEventsArgs(
    settings.environment, account_id, data["parameter_prefix"],
    primary=RegionalEvents(sides["primary"].region, async_target("primary", "event_processor"),
                           async_target("primary", "parameter_replicator")),
    secondary=RegionalEvents(sides["secondary"].region,
                             async_target("secondary", "event_processor"),
                             async_target("secondary", "parameter_replicator")),
    primary_health_check_id=upstream.require("global-traffic", "primary_health_check_id"),
    tags=settings.resource_tags))

api_fqdn = None
if settings.hosted_zone_id and settings.api_record_name:
    api_dns = ApiFailoverDns("api-failover", ApiFailoverDnsArgs(
        settings.hosted_zone_id, settings.api_record_name, tags=settings.resource_tags, targets=[
            ApiTarget(role, sides[role].region, domain.regional_domain_name, domain.regional_zone_id,
                      upstream.require("global-traffic", f"{role}_serving_check_id"))
            for role in ROLES if (domain := apps[role].rest_api.shared_domain) is not None]))
    api_fqdn = api_dns.fqdn

export_outputs("compute", {
    **{f"{role}_{key}": value for role, app in apps.items() for key, value in {
        "function_arns": {k: f.function.arn for k, f in app.functions.items()},
        "function_names": {k: f.function.name for k, f in app.functions.items()},
        "dead_letter_queue_names": {k: f.queue.name for k, f in app.functions.items()
                                    if f.dead_letter_queue},
        "alb_arn": app.path.alb.arn, "alb_dns_name": app.path.alb.dns_name,
        "web_acl_name": app.firewall.acl_name,
        "api_id": app.rest_api.api.id, "api_name": app.rest_api.api.name,
        "api_url": app.rest_api.stage.invoke_url,
        "custom_domain": app.rest_api.domain.domain_name if app.rest_api.domain else None,
        "custom_domain_target": app.rest_api.domain.regional_domain_name
        if app.rest_api.domain else None,
        "event_bus_arn": events.buses[role].arn,
    }.items()},
    "api_stage_name": STAGE,
    "api_failover_fqdn": api_fqdn,
    "event_bus_name": events.bus_name,
    "global_endpoint_id": events.endpoint_id,
    "global_endpoint_url": events.endpoint.endpoint_url,
})
