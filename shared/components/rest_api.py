"""RegionalRestApi: a regional REST API over the health and api functions, its `prod` stage
with access logs and throttling, and, when configured, the custom domain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components.iam import service_role
from shared.naming import physical_name

STAGE = "prod"
ITEM_METHODS = ("GET", "PUT")
# One JSON line per request: what an on-call engineer filters by in Logs Insights.
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod", "path": "$context.resourcePath",
    "status": "$context.status", "latencyMs": "$context.responseLatency",
    "integrationError": "$context.integration.error",
})
LOGS_PUSH_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


@dataclass
class Route:
    path: Sequence[str]  # path segments, e.g. ["items", "{id}"]
    methods: Sequence[str]
    function_name: pulumi.Input[str]
    invoke_arn: pulumi.Input[str]
    throttle: int | None = None  # requests/s and burst for this route's methods, below the stage's
    api_key_required: bool = False  # callers send the usage plan's key as x-api-key


@dataclass
class CustomDomain:
    domain: str
    certificate_arn: str


@dataclass
class RegionalRestApiArgs:
    environment: str
    region: str
    routes: Sequence[Route]
    throttle_rate_limit: int
    throttle_burst_limit: int
    log_kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    api_key: pulumi.Input[str] | None = None  # the usage plan's key, when a route requires one
    domain: CustomDomain | None = None
    # The name both regions serve (dr:apiRecordName), which Route 53 fails over between them.
    shared_domain: CustomDomain | None = None
    # dr:apiGatewayAccountOwner: this environment sets the region's API Gateway logging role.
    owns_account_setting: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class RegionalRestApi(pulumi.ComponentResource):
    """Owns the REST API (regional endpoint), a resource per path segment, Lambda proxy
    integrations and their invoke permissions, a deployment redeployed whenever a route
    changes, the stage with JSON access logs and throttling, API Gateway's CloudWatch role for
    the region, and the regional custom domain with its base path mapping when one is set."""

    def __init__(self, name: str, args: RegionalRestApiArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:compute:RegionalRestApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.api_name = physical_name("api", args.environment, args.region)
        self.api = aws.apigateway.RestApi(
            f"{name}-api", name=self.api_name, description=f"DR application API in {args.region}",
            endpoint_configuration={"types": "REGIONAL"}, region=args.region, tags=args.tags,
            opts=child)
        self._resources: dict[tuple[str, ...], aws.apigateway.Resource] = {}
        integrations = [self._route(name, args, route, method)
                        for route in args.routes for method in route.methods]
        # A method's settings (its key requirement included) reach callers only with a new
        # deployment, so they are part of what triggers one.
        routes = sorted(f"{m} /{'/'.join(r.path)}{' key' if r.api_key_required else ''}"
                        for r in args.routes for m in r.methods)
        deployment = aws.apigateway.Deployment(
            f"{name}-deployment", rest_api=self.api.id, region=args.region,
            triggers={"routes": hashlib.sha256(json.dumps(routes).encode()).hexdigest()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=integrations))
        self.stage = self._stage(name, args, deployment)
        self.domain = self._custom_domain(name, args, args.domain) if args.domain else None
        # API Gateway keys a regional custom domain by name within its region, so the same
        # name can exist in both regions, each with its own certificate.
        self.shared_domain = (self._custom_domain(f"{name}-shared", args, args.shared_domain)
                              if args.shared_domain else None)
        if args.api_key is not None:
            self._usage_plan(name, args, args.api_key)
        self.register_outputs({"api_id": self.api.id, "invoke_url": self.stage.invoke_url})

    def _resource(self, name: str, args: RegionalRestApiArgs,
                  path: Sequence[str]) -> pulumi.Input[str]:
        if not path:
            return self.api.root_resource_id
        key = tuple(path)
        if key not in self._resources:
            slug = "-".join(p.strip("{}") for p in path)
            self._resources[key] = aws.apigateway.Resource(
                f"{name}-{slug}", rest_api=self.api.id, path_part=path[-1],
                parent_id=self._resource(name, args, path[:-1]), region=args.region,
                opts=pulumi.ResourceOptions(parent=self))
        return self._resources[key].id

    def _route(self, name: str, args: RegionalRestApiArgs, route: Route,
               method: str) -> aws.apigateway.Integration:
        child = pulumi.ResourceOptions(parent=self)
        slug = "-".join(p.strip("{}") for p in route.path) + f"-{method.lower()}"
        resource_id = self._resource(name, args, route.path)
        api_method = aws.apigateway.Method(
            f"{name}-{slug}", rest_api=self.api.id, resource_id=resource_id, http_method=method,
            authorization="NONE", api_key_required=route.api_key_required, region=args.region,
            opts=child)
        aws.lambda_.Permission(
            f"{name}-{slug}-permission", action="lambda:InvokeFunction",
            function=route.function_name, principal="apigateway.amazonaws.com",
            source_arn=self.api.execution_arn.apply(
                lambda arn: f"{arn}/*/{method}/{'/'.join(route.path)}"),
            region=args.region, opts=child)
        return aws.apigateway.Integration(
            f"{name}-{slug}-integration", rest_api=self.api.id, resource_id=resource_id,
            http_method=api_method.http_method, type="AWS_PROXY", integration_http_method="POST",
            uri=route.invoke_arn, region=args.region, opts=child)

    def _stage(self, name: str, args: RegionalRestApiArgs,
               deployment: aws.apigateway.Deployment) -> aws.apigateway.Stage:
        child = pulumi.ResourceOptions(parent=self)
        account = self._account_setting(name, args) if args.owns_account_setting else None
        # API Gateway writes execution logs (logging_level below) to a group it would create
        # itself, unencrypted, never expiring and outliving the stack: declared here first.
        execution_logs = aws.cloudwatch.LogGroup(
            f"{name}-execution-logs",
            name=pulumi.Output.concat("API-Gateway-Execution-Logs_", self.api.id, f"/{STAGE}"),
            retention_in_days=args.log_retention_days, kms_key_id=args.log_kms_key_arn,
            region=args.region, tags=args.tags, opts=child)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-access-logs", name=f"/aws/apigateway/{self.api_name}/{STAGE}",
            retention_in_days=args.log_retention_days, kms_key_id=args.log_kms_key_arn,
            region=args.region, tags=args.tags, opts=child)
        stage = aws.apigateway.Stage(
            f"{name}-stage", rest_api=self.api.id, deployment=deployment.id, stage_name=STAGE,
            access_log_settings={"destination_arn": log_group.arn, "format": ACCESS_LOG_FORMAT},
            region=args.region, tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account] if account else []))
        after_logs = pulumi.ResourceOptions(parent=self, depends_on=[execution_logs])
        aws.apigateway.MethodSettings(
            f"{name}-throttling", rest_api=self.api.id, stage_name=stage.stage_name,
            method_path="*/*", settings={
                "throttling_rate_limit": args.throttle_rate_limit,
                "throttling_burst_limit": args.throttle_burst_limit,
                "metrics_enabled": True, "logging_level": "ERROR"},
            region=args.region, opts=after_logs)
        for route in (r for r in args.routes if r.throttle is not None):
            for method in route.methods:
                # A method's own settings replace the `*/*` ones, so they repeat metrics/logging.
                slug = "-".join(p.strip("{}") for p in route.path) + f"-{method.lower()}"
                aws.apigateway.MethodSettings(
                    f"{name}-{slug}-throttling", rest_api=self.api.id, stage_name=stage.stage_name,
                    method_path=f"{'/'.join(route.path)}/{method}", settings={
                        "throttling_rate_limit": route.throttle,
                        "throttling_burst_limit": route.throttle,
                        "metrics_enabled": True, "logging_level": "ERROR"},
                    region=args.region, opts=after_logs)
        return stage

    def _account_setting(self, name: str, args: RegionalRestApiArgs) -> aws.apigateway.Account:
        # Access logs need the region's API Gateway account setting to name a role that may
        # write logs (API_UpdateAccount: one setting per account and region, shared with every
        # other API there, other environments' included). Only the owning environment declares
        # it, so environments sharing an account do not repoint it at each other's roles on
        # every deploy and refresh. The provider resets it on delete, so it and its role are
        # kept on destroy: no destroy takes logging away from the APIs still running.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        role = service_role(f"{name}-cloudwatch-role", "apigateway.amazonaws.com", args.tags, kept,
                            description=f"API Gateway logging in {args.region}")
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-cloudwatch-role-policy", role=role.name, policy_arn=LOGS_PUSH_POLICY,
            opts=kept)
        return aws.apigateway.Account(
            f"{name}-account", cloudwatch_role_arn=role.arn, region=args.region,
            opts=pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(depends_on=[attachment])))

    def _usage_plan(self, name: str, args: RegionalRestApiArgs, value: pulumi.Input[str]) -> None:
        # API Gateway accepts a key only through a usage plan that covers the stage; the plan's
        # throttle is the stage's, so one client cannot take more than the whole API may.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
        child = pulumi.ResourceOptions(parent=self)
        key = aws.apigateway.ApiKey(
            f"{name}-key", name=physical_name("api-key", args.environment, args.region),
            description="The items API's key (the data layer's api-key SecureString)",
            value=value, enabled=True, region=args.region, tags=args.tags, opts=child)
        plan = aws.apigateway.UsagePlan(
            f"{name}-usage-plan", name=physical_name("api-plan", args.environment, args.region),
            api_stages=[{"api_id": self.api.id, "stage": self.stage.stage_name}],
            throttle_settings={"rate_limit": args.throttle_rate_limit,
                               "burst_limit": args.throttle_burst_limit},
            region=args.region, tags=args.tags, opts=child)
        aws.apigateway.UsagePlanKey(
            f"{name}-usage-plan-key", key_id=key.id, key_type="API_KEY", usage_plan_id=plan.id,
            region=args.region, opts=child)

    def _custom_domain(self, name: str, args: RegionalRestApiArgs,
                       custom: CustomDomain) -> aws.apigateway.DomainName:
        domain = aws.apigateway.DomainName(
            f"{name}-domain", domain_name=custom.domain,
            regional_certificate_arn=custom.certificate_arn,
            endpoint_configuration={"types": "REGIONAL"}, security_policy="TLS_1_2",
            region=args.region, tags=args.tags, opts=pulumi.ResourceOptions(parent=self))
        aws.apigateway.BasePathMapping(
            f"{name}-base-path", domain_name=domain.domain_name, rest_api=self.api.id,
            stage_name=self.stage.stage_name, region=args.region,
            opts=pulumi.ResourceOptions(parent=self))
        return domain
