"""The compute layer under mocks: the application really sits behind each NLB, every function is
least-privileged and logged, async paths retry into a DLQ, and events fail over with the region."""

import ast
import json

from shared.components.functions import HANDLERS_DIR
from tests.support import one, outputs, plan_of, resources

ROLES = {"primary": "us-east-1", "secondary": "us-east-2"}
MODULES = ("health", "api", "parameter_replicator", "event_processor")
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"


def of(plan, token, region=None):
    return resources(plan, "compute", token, region)


def functions(plan, region):
    return {f["inputs"]["handler"].split(".")[0]: f
            for f in of(plan, "aws:lambda/function:Function", region)}


def statements(policy_resource):
    return json.loads(policy_resource["inputs"]["policy"])["Statement"]


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_every_function_ships_its_handler_from_this_repository(dev_plan):
    for region in ROLES.values():
        for module, function in functions(dev_plan, region).items():
            assert f"{module}.py" in function["inputs"]["code"]["archive"]
            tree = ast.parse((HANDLERS_DIR / f"{module}.py").read_text())
            assert "handler" in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_each_region_runs_the_four_functions_on_a_current_python(dev_plan):
    for region in ROLES.values():
        found = functions(dev_plan, region)
        assert set(found) == set(MODULES)
        for function in found.values():
            major, minor = function["inputs"]["runtime"].removeprefix("python").split(".")
            assert (int(major), int(minor)) >= (3, 12)
            assert function["inputs"]["name"].endswith("-dev-" + region.replace("us-east-", "use"))


def test_vpc_functions_run_in_the_private_subnets_with_the_app_security_group(dev_plan):
    for role, region in ROLES.items():
        network = outputs(dev_plan, f"network-{role}")
        found = functions(dev_plan, region)
        for module in ("health", "api", "event_processor"):
            vpc = found[module]["inputs"]["vpcConfig"]
            assert vpc["subnetIds"] == network["private_subnet_ids"]
            assert vpc["securityGroupIds"] == [network["app_security_group_id"]]
        # It must reach the other region's Parameter Store; the private subnets have no NAT.
        assert "vpcConfig" not in found["parameter_replicator"]["inputs"]


def test_function_variables_point_at_this_region_and_its_peer(dev_plan):
    data = outputs(dev_plan, "data")
    for role, region in ROLES.items():
        peer_role, peer_region = next((r, g) for r, g in ROLES.items() if r != role)
        found = functions(dev_plan, region)
        health = found["health"]["inputs"]["environment"]["variables"]
        assert health["DB_PORT"] == str(int(data["db_port"]))
        replicator = found["parameter_replicator"]["inputs"]["environment"]["variables"]
        assert replicator["PEER_REGION"] == peer_region
        assert replicator["PEER_KMS_KEY_ARN"] == data[f"{peer_role}_kms_key_arn"]
        assert replicator["PARAMETER_PREFIX"] == data["parameter_prefix"]
        for function in found.values():
            assert function["inputs"]["environment"]["variables"]["TABLE_NAME"] == data["table_name"]


def test_health_probes_its_own_clusters_endpoint_that_answers_in_either_role(dev_plan):
    """After a switchover the old primary is a secondary: its cluster's writer endpoint goes
    inactive, its reader endpoint keeps answering. Each region probes its own cluster's reader
    endpoint, so failback can see the old primary healthy."""
    data = outputs(dev_plan, "data")
    for role, region in ROLES.items():
        host = functions(dev_plan, region)["health"]["inputs"]["environment"]["variables"]["DB_HOST"]
        assert host == data[f"{role}_cluster_reader_endpoint"]
        # The mock names endpoints as Aurora does: <cluster>.cluster-ro-<id>.<region>.rds...
        assert ".cluster-ro-" in host and host.endswith(f".{region}.rds.amazonaws.com")


def test_no_function_is_pinned_to_a_regional_writer_endpoint(dev_plan):
    """A regional writer endpoint is only live while its cluster is the writer; anything that
    writes uses the global writer endpoint, which follows the writer."""
    data = outputs(dev_plan, "data")
    writers = {data["primary_cluster_endpoint"], data["secondary_cluster_endpoint"]}
    assert data["global_cluster_endpoint"].endswith(".global.rds.amazonaws.com")
    for region in ROLES.values():
        for function in functions(dev_plan, region).values():
            assert not writers & set(function["inputs"]["environment"]["variables"].values())


def test_roles_are_least_privilege_and_scoped_to_their_region(dev_plan):
    policies = [p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy") if p["name"].startswith("app-")]
    assert len(policies) == 8
    for policy in policies:
        region = "us-east-2" if "secondary" in policy["name"] else "us-east-1"
        for statement in statements(policy):
            actions, targets = as_list(statement["Action"]), as_list(statement["Resource"])
            assert "*" not in actions and not any(a.endswith(":*") for a in actions)
            assert "*" not in targets
            for arn in targets:
                if arn.startswith("arn:aws:dynamodb:"):
                    assert arn.startswith(f"arn:aws:dynamodb:{region}:"), policy["name"]


def test_only_the_replicator_writes_parameters_and_only_in_the_peer(dev_plan):
    prefix = outputs(dev_plan, "data")["parameter_prefix"]
    writers = {}
    for policy in of(dev_plan, "aws:iam/rolePolicy:RolePolicy"):
        for statement in statements(policy):
            if "ssm:PutParameter" in as_list(statement["Action"]):
                writers[policy["name"]] = as_list(statement["Resource"])
    assert sorted(writers) == ["app-primary-parameter-replicator-policy",
                               "app-secondary-parameter-replicator-policy"]
    assert writers["app-primary-parameter-replicator-policy"] == [
        f"arn:aws:ssm:us-east-2:123456789012:parameter{prefix}*"]


def test_log_groups_have_retention_and_the_region_key(dev_plan, prod_plan):
    for plan, days in ((dev_plan, 30), (prod_plan, 365)):
        data = outputs(plan, "data")
        for role, region in ROLES.items():
            groups = of(plan, "aws:cloudwatch/logGroup:LogGroup", region)
            names = {g["inputs"]["name"] for g in groups}
            assert {f"/aws/lambda/{f['inputs']['name']}"
                    for f in functions(plan, region).values()} <= names
            for group in groups:
                assert group["inputs"]["retentionInDays"] == days
                assert group["inputs"]["kmsKeyId"] == data[f"{role}_kms_key_arn"]


def test_asynchronous_functions_retry_then_dead_letter(dev_plan):
    for region in ROLES.values():
        queues = {q["inputs"]["name"]: q for q in of(dev_plan, "aws:sqs/queue:Queue", region)}
        configs = {c["inputs"]["functionName"]: c
                   for c in of(dev_plan, "aws:lambda/functionEventInvokeConfig:"
                                         "FunctionEventInvokeConfig", region)}
        found = functions(dev_plan, region)
        for module in ("parameter_replicator", "event_processor"):
            name = found[module]["inputs"]["name"]
            queue = queues[f"{name}-dlq"]
            assert queue["inputs"]["sqsManagedSseEnabled"] is True
            assert found[module]["inputs"]["deadLetterConfig"]["targetArn"].endswith(f":{name}-dlq")
            assert configs[name]["inputs"]["maximumRetryAttempts"] == 2
        for target in of(dev_plan, "aws:cloudwatch/eventTarget:EventTarget", region):
            assert target["inputs"]["deadLetterConfig"]["arn"] in {
                f"arn:aws:sqs:{region}:123456789012:{q}" for q in queues}
            assert target["inputs"]["retryPolicy"]["maximumRetryAttempts"] > 0


def test_each_nlb_forwards_to_an_internal_alb_that_serves_the_health_function(dev_plan):
    compute = outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        network = outputs(dev_plan, f"network-{role}")
        alb = one(of(dev_plan, "aws:lb/loadBalancer:LoadBalancer", region))
        assert alb["inputs"]["internal"] is True and alb["inputs"]["loadBalancerType"] == "application"
        assert alb["inputs"]["subnets"] == network["private_subnet_ids"]
        assert alb["inputs"]["securityGroups"] == [network["app_security_group_id"]]
        attachments = of(dev_plan, "aws:lb/targetGroupAttachment:TargetGroupAttachment", region)
        to_nlb = one([a for a in attachments
                      if a["inputs"]["targetGroupArn"] == network["nlb_target_group_arn"]])
        assert to_nlb["inputs"]["targetId"] == compute[f"{role}_alb_arn"]
        assert to_nlb["inputs"]["port"] == network["nlb_listener_port"]
        listener = one(of(dev_plan, "aws:lb/listener:Listener", region))
        assert listener["inputs"]["port"] == network["nlb_listener_port"]
        assert listener["urn"] in to_nlb["depends_on"]
        rule = one(of(dev_plan, "aws:lb/listenerRule:ListenerRule", region))
        assert rule["inputs"]["conditions"][0]["pathPattern"]["values"] == ["/health"]
        health_group = rule["inputs"]["actions"][0]["targetGroupArn"]
        health_target = one([a for a in attachments if a["inputs"]["targetGroupArn"] == health_group])
        assert health_target["inputs"]["targetId"] == compute[f"{role}_function_arns"]["health"]
        permission = [p for p in of(dev_plan, "aws:lambda/permission:Permission", region)
                      if p["inputs"]["sourceArn"] == health_group]
        assert one(permission)["inputs"]["principal"] == "elasticloadbalancing.amazonaws.com"
        # ELB refuses to register a function it may not invoke yet.
        assert one(permission)["urn"] in health_target["depends_on"]


def test_rest_api_routes_health_and_items_to_the_right_functions(dev_plan):
    compute = outputs(dev_plan, "compute")
    for role, region in ROLES.items():
        api = one(of(dev_plan, "aws:apigateway/restApi:RestApi", region))
        assert api["inputs"]["endpointConfiguration"]["types"] == "REGIONAL"
        assert api["inputs"]["name"] == compute[f"{role}_api_name"]
        parts = {r["inputs"]["pathPart"] for r in of(dev_plan, "aws:apigateway/resource:Resource", region)}
        assert parts == {"health", "items", "{id}"}
        integrations = of(dev_plan, "aws:apigateway/integration:Integration", region)
        assert sorted(i["inputs"]["httpMethod"] for i in integrations) == ["GET", "GET", "PUT"]
        arns = compute[f"{role}_function_arns"]
        for integration in integrations:
            assert integration["inputs"]["type"] == "AWS_PROXY"
            assert integration["inputs"]["uri"].endswith(
                tuple(f"/functions/{arns[m]}/invocations" for m in ("health", "api")))
        assert compute[f"{role}_api_url"] == (
            f"https://{compute[f'{role}_api_id']}.execute-api.{region}.amazonaws.com/prod")


def test_stage_logs_every_request_and_is_throttled(dev_plan):
    for region in ROLES.values():
        stage = one(of(dev_plan, "aws:apigateway/stage:Stage", region))
        assert stage["inputs"]["stageName"] == "prod"
        log_format = json.loads(stage["inputs"]["accessLogSettings"]["format"])
        assert {"requestId", "status"} <= set(log_format)
        by_path = {s["inputs"]["methodPath"]: s["inputs"]["settings"]
                   for s in of(dev_plan, "aws:apigateway/methodSettings:MethodSettings", region)}
        # `*/*` sets every method's own limit; it is no stage-wide total.
        assert by_path["*/*"]["throttlingRateLimit"] == 100
        assert by_path["*/*"]["throttlingBurstLimit"] == 200
        account = one(of(dev_plan, "aws:apigateway/account:Account", region))
        assert account["urn"] in stage["depends_on"]


def test_the_health_function_keeps_concurrency_no_api_burst_can_take():
    """Reserved concurrency from dr:healthReservedConcurrency in both regions, and the public
    API Gateway route to it throttled to half, so callers there cannot exhaust it either."""
    plan = plan_of("dev", healthReservedConcurrency="16")
    for region in ROLES.values():
        found = functions(plan, region)
        assert found["health"]["inputs"]["reservedConcurrentExecutions"] == 16
        assert all("reservedConcurrentExecutions" not in f["inputs"]
                   for module, f in found.items() if module != "health")
        by_path = {s["inputs"]["methodPath"]: s["inputs"]["settings"]
                   for s in of(plan, "aws:apigateway/methodSettings:MethodSettings", region)}
        assert set(by_path) == {"*/*", "health/GET"}
        assert by_path["health/GET"]["throttlingRateLimit"] == 8
        assert by_path["health/GET"]["throttlingBurstLimit"] == 8
        assert by_path["health/GET"]["metricsEnabled"] is True


def test_no_custom_domain_unless_configured(dev_plan):
    assert of(dev_plan, "aws:apigateway/domainName:DomainName") == []
    assert of(dev_plan, "aws:apigateway/basePathMapping:BasePathMapping") == []
    compute = outputs(dev_plan, "compute")
    assert compute["primary_custom_domain"] is None and compute["secondary_custom_domain"] is None


def test_the_four_domain_settings_give_each_region_its_domain_and_certificate():
    plan = plan_of("dev", primaryDomain="api-use1.example.com", primaryCertificateArn=CERTIFICATE,
                   secondaryDomain="api-use2.example.com",
                   secondaryCertificateArn=CERTIFICATE.replace("us-east-1", "us-east-2"), appPort="443")
    compute = outputs(plan, "compute")
    for role, region in ROLES.items():
        domain = one(of(plan, "aws:apigateway/domainName:DomainName", region))
        assert domain["inputs"]["domainName"] == f"api-{region.replace('us-east-', 'use')}.example.com"
        assert domain["inputs"]["regionalCertificateArn"] == CERTIFICATE.replace("us-east-1", region)
        assert domain["inputs"]["endpointConfiguration"]["types"] == "REGIONAL"
        mapping = one(of(plan, "aws:apigateway/basePathMapping:BasePathMapping", region))
        assert mapping["inputs"]["stageName"] == "prod"
        assert mapping["inputs"]["restApi"] == compute[f"{role}_api_id"]
        assert mapping["inputs"]["domainName"] == domain["inputs"]["domainName"]
        assert compute[f"{role}_custom_domain"] == domain["inputs"]["domainName"]
        assert compute[f"{role}_custom_domain_target"].endswith(f".execute-api.{region}.amazonaws.com")


def test_both_regions_are_built_alike(dev_plan):
    kinds = {region: sorted(r["type"] for r in of(dev_plan, None, region))
             for region in ROLES.values()}
    # The Global Endpoint is one resource homed in the primary; everything else has its twin.
    kinds["us-east-1"].remove("aws:cloudwatch/eventEndpoint:EventEndpoint")
    assert kinds["us-east-1"] == kinds["us-east-2"]


def test_buses_share_a_name_and_the_global_endpoint_follows_the_primary_health_check(dev_plan):
    compute = outputs(dev_plan, "compute")
    buses = of(dev_plan, "aws:cloudwatch/eventBus:EventBus")
    assert {b["region"] for b in buses} == set(ROLES.values())
    assert {b["inputs"]["name"] for b in buses} == {compute["event_bus_name"]}
    endpoint = one(of(dev_plan, "aws:cloudwatch/eventEndpoint:EventEndpoint"))
    assert endpoint["region"] == "us-east-1"
    assert [b["eventBusArn"] for b in endpoint["inputs"]["eventBuses"]] == [
        compute["primary_event_bus_arn"], compute["secondary_event_bus_arn"]]
    failover = endpoint["inputs"]["routingConfig"]["failoverConfig"]
    check = outputs(dev_plan, "global-traffic")["primary_health_check_id"]
    assert failover["primary"]["healthCheck"] == f"arn:aws:route53:::healthcheck/{check}"
    assert failover["secondary"]["route"] == "us-east-2"
    assert endpoint["inputs"]["replicationConfig"]["state"] == "ENABLED"
    assert endpoint["inputs"]["roleArn"]


def test_parameter_changes_under_the_prefix_reach_the_replicator_in_both_regions(dev_plan):
    compute, prefix = outputs(dev_plan, "compute"), outputs(dev_plan, "data")["parameter_prefix"]
    for role, region in ROLES.items():
        rules = [r for r in of(dev_plan, "aws:cloudwatch/eventRule:EventRule", region)
                 if "aws.ssm" in r["inputs"]["eventPattern"]]
        pattern = json.loads(one(rules)["inputs"]["eventPattern"])
        assert pattern["detail-type"] == ["Parameter Store Change"]
        assert pattern["detail"]["name"] == [{"prefix": prefix}]
        assert "eventBusName" not in one(rules)["inputs"]  # Parameter Store uses the default bus
        targets = [t for t in of(dev_plan, "aws:cloudwatch/eventTarget:EventTarget", region)
                   if t["inputs"]["arn"] == compute[f"{role}_function_arns"]["parameter_replicator"]]
        assert len(targets) == 1


def test_every_reader_of_the_authority_record_reads_it_in_its_own_regions_table(dev_plan):
    """health, api and the event processor decide "may I write" from the authority item in the
    global table (handlers/authority.py): each may GetItem on its own region's replica, knows the
    deployed primary (no record yet), and no longer reads a regional fence parameter."""
    data = outputs(dev_plan, "data")
    for role, region in ROLES.items():
        found = functions(dev_plan, region)
        for module in ("api", "health", "event_processor"):
            variables = found[module]["inputs"]["environment"]["variables"]
            assert variables["PRIMARY_REGION"] == ROLES["primary"]
            assert "WRITES_ENABLED_PARAMETER" not in variables and "ACTIVE_REGION_PARAMETER" not in variables
            policy = one([p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy")
                          if p["name"] == f"app-{role}-{module.replace('_', '-')}-policy"])
            table = f"arn:aws:dynamodb:{region}:123456789012:table/{data['table_name']}"
            readers = [s for s in statements(policy) if table in as_list(s["Resource"])]
            assert any("dynamodb:GetItem" in as_list(s["Action"]) for s in readers), module
            assert not any(a.startswith("ssm:") and "writes-enabled" in str(s["Resource"])
                           for s in statements(policy) for a in as_list(s["Action"])), module


def test_only_health_reads_its_regions_drill_flag(dev_plan):
    """The outage drill impairs a region through its health answer alone: health may read that
    region's flag, and no other function may read it or is told its name."""
    flag = f"{outputs(dev_plan, 'data')['regional_parameter_prefix']}drill/impaired"
    for role, region in ROLES.items():
        found = functions(dev_plan, region)
        for module in MODULES:
            variables = found[module]["inputs"]["environment"]["variables"]
            policy = one([p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy")
                          if p["name"] == f"app-{role}-{module.replace('_', '-')}-policy"])
            readers = [s for s in statements(policy) if as_list(s["Resource"]) == [
                f"arn:aws:ssm:{region}:123456789012:parameter{flag}"]]
            if module == "health":
                assert variables["DRILL_IMPAIRED_PARAMETER"] == flag
                assert [as_list(s["Action"]) for s in readers] == [["ssm:GetParameter"]]
            else:
                assert "DRILL_IMPAIRED_PARAMETER" not in variables and not readers, module
