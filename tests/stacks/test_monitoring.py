"""The monitoring layer under mocks, checked as an on-call reviewer would: every alarm watches the
metric AWS really publishes, with the IDs the other layers exported, in the region AWS publishes
it in, and tells that region's topic both when it fires and when it clears."""

import json
import re

import pytest

from shared.contracts.monitoring import FUNCTION_ROLES
from tests.support import one, outputs, plan_of, resources

LAYER = "monitoring"
ACCOUNT = "123456789012"
ROLES = ("primary", "secondary")
REGIONS = {"primary": "us-east-1", "secondary": "us-east-2"}
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
KEY = "aws:kms/key:Key"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
COMPOSITE = "aws:cloudwatch/compositeAlarm:CompositeAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
TREATMENTS = {"breaching", "notBreaching", "ignore", "missing"}
EMAIL = "oncall@example.com"
# Neither DR region is us-east-1, where Route 53 publishes its metrics.
WEST = {"primaryRegion": "us-west-2", "secondaryRegion": "us-east-2"}
TUNED = {"alertEmail": EMAIL, "replicationLagAlarmSeconds": "120",
         "lambdaErrorAlarmThreshold": "3", "api5xxAlarmThreshold": "7"}


@pytest.fixture(params=ROLES, scope="module")
def role(request):
    return request.param


def alarms(plan, namespace=None, metric=None, region=None):
    """The alarms that notify (the signals feeding Route 53 checks do not)."""
    return [a for a in resources(plan, LAYER, ALARM, region)
            if a["inputs"].get("actionsEnabled") is not False
            and namespace in (None, a["inputs"].get("namespace"))
            and metric in (None, a["inputs"].get("metricName"))]


def signals(plan):
    return [a for a in resources(plan, LAYER, ALARM) if a["inputs"].get("actionsEnabled") is False]


def calculated_checks(plan):
    return [c for c in resources(plan, LAYER, HEALTH_CHECK) if c["inputs"]["type"] == "CALCULATED"]


def topic_by_region(plan):
    out = outputs(plan, LAYER)
    settings = plan.settings
    return {settings.primary_region: out["primary_topic_arn"],
            settings.secondary_region: out["secondary_topic_arn"],
            "us-east-1": out["health_check_topic_arn"]}


def alarm_arn(region, name):
    return f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"


def widgets(plan):
    return {d["inputs"]["dashboardName"]: json.loads(d["inputs"]["dashboardBody"])["widgets"]
            for d in resources(plan, LAYER, DASHBOARD)}


def metric_rows(widget_list):
    """(namespace, metric, dimensions, region) of every graphed metric."""
    rows = []
    for widget in widget_list:
        if widget["type"] == "metric":
            for row in widget["properties"]["metrics"]:
                *head, options = row
                namespace, metric, *pairs = head
                rows.append((namespace, metric, dict(zip(pairs[::2], pairs[1::2], strict=True)),
                             options["region"]))
    return rows


def watched(alarm):
    values = alarm["inputs"]
    return values["namespace"], values["metricName"], values["dimensions"], alarm["region"]


def every_watched(alarm):
    """What an alarm watches: its metric, or each metric its metric math reads."""
    if "metricQueries" not in alarm["inputs"]:
        return [watched(alarm)]
    return [(q["metric"]["namespace"], q["metric"]["metricName"], q["metric"]["dimensions"],
             alarm["region"]) for q in alarm["inputs"]["metricQueries"] if "metric" in q]


# --- Alert topics ---


def test_each_region_has_a_topic_encrypted_with_its_own_key(dev_plan, role):
    region = REGIONS[role]
    topic = one(resources(dev_plan, LAYER, TOPIC, region))
    key = one(resources(dev_plan, LAYER, KEY, region))
    assert topic["inputs"]["kmsMasterKeyId"].startswith(f"arn:aws:kms:{region}:{ACCOUNT}:key/")
    assert key["inputs"]["enableKeyRotation"] is True
    assert outputs(dev_plan, LAYER)[f"{role}_topic_arn"] == \
        f"arn:aws:sns:{region}:{ACCOUNT}:{topic['inputs']['name']}"


def test_topic_keys_let_alarms_and_backup_rules_encrypt_and_nothing_more(dev_plan, role):
    policy = json.loads(one(resources(dev_plan, LAYER, KEY, REGIONS[role]))["inputs"]["policy"])
    services = [s for s in policy["Statement"] if "Service" in s["Principal"]]
    assert {p for s in services for p in s["Principal"]["Service"]} == \
        {"cloudwatch.amazonaws.com", "events.amazonaws.com"}
    assert all(set(s["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"} for s in services)
    assert not any(a in ("kms:*", "*") for s in policy["Statement"] for a in s["Action"])


def test_topic_policy_admits_this_regions_alarms_and_exactly_its_backup_rules(dev_plan, role):
    region = REGIONS[role]
    policy = json.loads(one(resources(dev_plan, LAYER, TOPIC_POLICY, region))["inputs"]["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["CloudWatchAlarms"]["Condition"]["ArnLike"]["aws:SourceArn"] == \
        f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:*"
    rules = {f"arn:aws:events:{region}:{ACCOUNT}:rule/{r['inputs']['name']}"
             for r in resources(dev_plan, LAYER, RULE, region)}
    assert set(by_sid["EventBridgeRules"]["Condition"]["ArnEquals"]["aws:SourceArn"]) == rules
    assert all(s["Action"] == "sns:Publish" for s in policy["Statement"])


def test_no_email_subscription_unless_an_address_is_set(dev_plan):
    assert resources(dev_plan, LAYER, SUBSCRIPTION) == []
    subscriptions = resources(plan_of("dev", **TUNED), LAYER, SUBSCRIPTION)
    assert {s["region"] for s in subscriptions} == set(REGIONS.values())
    topics = set(topic_by_region(plan_of("dev", **TUNED)).values())
    assert {s["inputs"]["topic"] for s in subscriptions} == topics
    assert all(s["inputs"]["protocol"] == "email" and s["inputs"]["endpoint"] == EMAIL
               for s in subscriptions)


# --- Every replication path has an alarm ---


@pytest.mark.parametrize(("source", "destination", "rule_key"), [
    ("primary", "secondary", "replication_rule_id"),
    ("secondary", "primary", "reverse_replication_rule_id")])
def test_s3_replication_alarms_watch_both_ways(dev_plan, source, destination, rule_key):
    # The way back matters at failback: what the secondary took must have reached the primary.
    data = outputs(dev_plan, "data")
    dimensions = {"SourceBucket": data[f"{source}_bucket_name"],
                  "DestinationBucket": data[f"{destination}_bucket_name"],
                  "RuleId": data[rule_key]}
    # S3 publishes latency in the destination's region, failures in the source's.
    latency = one([a for a in alarms(dev_plan, "AWS/S3", "ReplicationLatency")
                   if a["inputs"]["dimensions"] == dimensions])
    failed = one([a for a in alarms(dev_plan, "AWS/S3", "OperationsFailedReplication")
                  if a["inputs"]["dimensions"] == dimensions])
    assert (latency["region"], failed["region"]) == (REGIONS[destination], REGIONS[source])
    # Never below Replication Time Control's 15-minute promise.
    assert latency["inputs"]["threshold"] >= 900
    assert failed["inputs"]["threshold"] == 0 and failed["inputs"]["statistic"] == "Sum"


def test_dynamodb_latency_is_alarmed_for_every_replica_from_the_writing_region(dev_plan):
    table = one(resources(dev_plan, "data", "aws:dynamodb/table:Table"))
    regions = {table["region"], *(r["regionName"] for r in table["inputs"]["replicas"])}
    expected = {(source, receiver) for source in regions for receiver in regions - {source}}
    found = {(a["region"], a["inputs"]["dimensions"]["ReceivingRegion"])
             for a in alarms(dev_plan, "AWS/DynamoDB", "ReplicationLatency")}
    assert found == expected
    assert {a["inputs"]["dimensions"]["TableName"] for a in alarms(dev_plan, "AWS/DynamoDB")} == \
        {outputs(dev_plan, "data")["table_name"]}


def test_aurora_lag_is_alarmed_on_each_member_cluster_in_its_own_region(dev_plan):
    """Whichever cluster is the secondary reports lag; the writer reports none."""
    data = outputs(dev_plan, "data")
    lags = {a["region"]: a for a in alarms(dev_plan, "AWS/RDS", "AuroraGlobalDBReplicationLag")}
    assert set(lags) == set(REGIONS.values())
    for role, region in REGIONS.items():
        assert lags[region]["inputs"]["dimensions"] == {
            "DBClusterIdentifier": data[f"{role}_cluster_id"]}
        assert lags[region]["inputs"]["treatMissingData"] == "notBreaching"


def lag_state(alarm, reported_ms):
    """What CloudWatch makes of an alarm given the lag its cluster reports (None: nothing)."""
    if reported_ms is None:
        return {"breaching": "ALARM", "notBreaching": "OK"}.get(
            alarm["inputs"]["treatMissingData"], "INSUFFICIENT_DATA")
    over = {"GreaterThanThreshold": reported_ms > alarm["inputs"]["threshold"],
            "LessThanThreshold": reported_ms < alarm["inputs"]["threshold"]}
    return "ALARM" if over[alarm["inputs"]["comparisonOperator"]] else "OK"


@pytest.mark.parametrize("writer", ["primary", "secondary", None],
                         ids=["as-deployed", "roles-swapped", "nothing-replicates"])
def test_aurora_alarms_tell_the_truth_whichever_region_is_the_writer(dev_plan, writer):
    """Only the non-writer reports lag (here 200 ms, within the threshold). As deployed and
    with the roles swapped, no lag alarm fires and some member reports lag; with no member
    reporting (a detached secondary after a failover), the replication check fails."""
    data = outputs(dev_plan, "data")
    by_cluster = {data[f"{r}_cluster_id"]: r for r in ROLES}
    reporting = {r: (None if writer in (r, None) else 200) for r in ROLES}
    for alarm in alarms(dev_plan, "AWS/RDS", "AuroraGlobalDBReplicationLag"):
        role = by_cluster[alarm["inputs"]["dimensions"]["DBClusterIdentifier"]]
        assert alarm["region"] == REGIONS[role]
        assert lag_state(alarm, reporting[role]) == "OK", (writer, alarm["name"])
    # Each region's "reports no lag" signal feeds a Route 53 check; the calculated check is
    # healthy while at least one child is.
    calculated = one(calculated_checks(dev_plan))
    assert calculated["inputs"]["childHealthThreshold"] == 1
    urns = {r["urn"]: r for r in resources(dev_plan, LAYER, HEALTH_CHECK)}
    children = [urns[u] for u in calculated["depends_on"]]
    assert len(calculated["inputs"]["childHealthchecks"]) == len(children) == 2
    silent = {s["inputs"]["name"]: s for s in signals(dev_plan)}
    healthy_children = 0
    for child in children:
        signal = silent[child["inputs"]["cloudwatchAlarmName"]]
        assert signal["urn"] in child["depends_on"]  # created after, deleted before its alarm
        assert child["inputs"]["type"] == "CLOUDWATCH_METRIC"
        assert child["inputs"]["cloudwatchAlarmRegion"] == signal["region"]
        assert child["inputs"]["insufficientDataHealthStatus"] == "Unhealthy"
        role = by_cluster[signal["inputs"]["dimensions"]["DBClusterIdentifier"]]
        assert signal["region"] == REGIONS[role]
        healthy_children += lag_state(signal, reporting[role]) == "OK"
    replicating = one([a for a in alarms(dev_plan, "AWS/Route53")
                       if calculated["urn"] in a["depends_on"]])
    assert replicating["region"] == "us-east-1"
    assert replicating["inputs"]["treatMissingData"] == "breaching"
    check_status = 1 if healthy_children >= calculated["inputs"]["childHealthThreshold"] else 0
    assert lag_state(replicating, check_status) == ("ALARM" if writer is None else "OK")


def test_failed_backup_and_copy_jobs_of_each_vault_reach_its_regions_topic(dev_plan, role):
    region, data = REGIONS[role], outputs(dev_plan, "data")
    rules = {r["inputs"]["name"]: json.loads(r["inputs"]["eventPattern"])
             for r in resources(dev_plan, LAYER, RULE, region)}
    kinds = {p["detail-type"][0]: p["detail"] for p in rules.values()}
    assert kinds["Copy Job State Change"] == {"sourceBackupVaultArn": [data[f"{role}_vault_arn"]],
                                              "state": ["FAILED"]}
    assert kinds["Backup Job State Change"]["backupVaultName"] == [data[f"{role}_vault_name"]]
    assert "FAILED" in kinds["Backup Job State Change"]["state"]
    targets = resources(dev_plan, LAYER, TARGET, region)
    assert {t["inputs"]["rule"] for t in targets} == set(rules)
    assert {t["inputs"]["arn"] for t in targets} == {topic_by_region(dev_plan)[region]}


def test_replication_thresholds_come_from_settings():
    tuned = plan_of("dev", **TUNED)
    assert {a["inputs"]["threshold"] for a in alarms(tuned, "AWS/RDS")} == {120_000}  # ms
    assert {a["inputs"]["threshold"] for a in alarms(tuned, "AWS/DynamoDB")} == {120_000}
    assert {a["inputs"]["threshold"] for a in alarms(tuned, "AWS/Lambda")} == {3}
    # dr:api5xxAlarmThreshold: tests/stacks/test_error_rate_alarms.py


# --- Each region's entry point ---


def test_nlb_host_count_alarms_use_the_network_layers_nlb_and_target_group(dev_plan, role):
    region, network = REGIONS[role], outputs(dev_plan, f"network-{role}")
    dimensions = {"LoadBalancer": network["nlb_arn"].split(":loadbalancer/", 1)[1],
                  "TargetGroup": network["nlb_target_group_arn"].split(":")[-1]}
    assert dimensions["LoadBalancer"].startswith("net/")
    assert dimensions["TargetGroup"].startswith("targetgroup/")
    healthy = one(alarms(dev_plan, "AWS/NetworkELB", "HealthyHostCount", region))
    unhealthy = one(alarms(dev_plan, "AWS/NetworkELB", "UnHealthyHostCount", region))
    assert healthy["inputs"]["dimensions"] == unhealthy["inputs"]["dimensions"] == dimensions
    assert (healthy["inputs"]["statistic"], healthy["inputs"]["comparisonOperator"]) == \
        ("Maximum", "LessThanThreshold")
    assert (unhealthy["inputs"]["statistic"], unhealthy["inputs"]["comparisonOperator"]) == \
        ("Minimum", "GreaterThanThreshold")


def test_compute_exports_exactly_the_function_roles_monitoring_alarms_on(dev_plan, role):
    assert set(outputs(dev_plan, "compute")[f"{role}_function_names"]) == set(FUNCTION_ROLES)


def test_every_function_has_error_and_throttle_alarms_in_its_region(dev_plan, role):
    region = REGIONS[role]
    names = outputs(dev_plan, "compute")[f"{role}_function_names"].values()
    found = {(a["inputs"]["metricName"], a["inputs"]["dimensions"]["FunctionName"])
             for a in alarms(dev_plan, "AWS/Lambda", region=region)}
    assert found == {(metric, name) for name in names for metric in ("Errors", "Throttles")}


def test_every_dead_letter_queue_has_a_depth_alarm_in_its_region(dev_plan, role):
    """Parameter changes and events that failed during an outage wait there for a redrive."""
    region = REGIONS[role]
    queues = {q["inputs"]["name"] for q in resources(dev_plan, "compute", "aws:sqs/queue:Queue", region)}
    assert set(outputs(dev_plan, "compute")[f"{role}_dead_letter_queue_names"].values()) == queues
    depth = alarms(dev_plan, "AWS/SQS", "ApproximateNumberOfMessagesVisible", region)
    assert {a["inputs"]["dimensions"]["QueueName"] for a in depth} == queues
    for alarm in depth:
        assert (alarm["inputs"]["comparisonOperator"], alarm["inputs"]["threshold"]) == \
            ("GreaterThanThreshold", 0)
        assert alarm["inputs"]["statistic"] == "Maximum"
        assert "invoke redrive" in alarm["inputs"]["alarmDescription"]


@pytest.mark.parametrize("overrides", [{}, WEST], ids=["dev", "no-dr-region-in-us-east-1"])
def test_route53_alarms_live_in_us_east_1_on_the_global_traffic_checks(overrides):
    plan = plan_of("dev", **overrides)
    traffic = outputs(plan, "global-traffic")
    replicating = one(calculated_checks(plan))["urn"]
    checks = [a for a in alarms(plan, "AWS/Route53") if replicating not in a["depends_on"]]
    assert {a["region"] for a in checks} == {"us-east-1"}
    assert sorted(a["inputs"]["dimensions"]["HealthCheckId"] for a in checks) == \
        sorted(traffic[f"{role}_health_check_id"] for role in ROLES)
    health_topic = outputs(plan, LAYER)["health_check_topic_arn"]
    assert health_topic.startswith(f"arn:aws:sns:us-east-1:{ACCOUNT}:")
    assert all(a["inputs"]["alarmActions"] == [health_topic] for a in checks)


def test_a_topic_is_added_in_us_east_1_only_when_no_dr_region_is_there(dev_plan):
    assert len(resources(dev_plan, LAYER, TOPIC)) == 2
    west = plan_of("dev", **WEST)
    assert {t["region"] for t in resources(west, LAYER, TOPIC)} == \
        {"us-west-2", "us-east-2", "us-east-1"}
    # Only the Route 53 alarms need it.
    assert {a["inputs"]["namespace"] for a in alarms(west, region="us-east-1")} == {"AWS/Route53"}


# --- Every alarm notifies; composites reference real alarms ---


@pytest.mark.parametrize("overrides", [{}, WEST], ids=["dev", "no-dr-region-in-us-east-1"])
def test_every_alarm_notifies_its_regions_topic_on_alarm_and_on_ok(overrides):
    plan = plan_of("dev", **overrides)
    topics = topic_by_region(plan)
    every = alarms(plan) + resources(plan, LAYER, COMPOSITE)
    assert all("alarmActions" not in s["inputs"] and "okActions" not in s["inputs"]
               for s in signals(plan))
    for alarm in every:
        expected = [topics[alarm["region"]]]
        assert alarm["inputs"]["alarmActions"] == expected, alarm["name"]
        assert alarm["inputs"]["okActions"] == expected, alarm["name"]


def test_every_metric_alarm_treats_missing_data_deliberately(dev_plan):
    treatments = {a["inputs"]["name"]: a["inputs"].get("treatMissingData")
                  for a in alarms(dev_plan)}
    assert set(treatments.values()) <= TREATMENTS
    # Where silence itself is the failure, it must page.
    for name, treatment in treatments.items():
        if re.match(r"dr-(health-check|nlb-no-healthy-target|aurora-not-replicating)-", name):
            assert treatment == "breaching", name
        if name.startswith("dr-aurora-lag-"):
            # The writer reports no lag: silence from one member is no failure.
            assert treatment == "notBreaching", name


def test_exported_alarm_names_are_the_planned_metric_alarms(dev_plan):
    exported = outputs(dev_plan, LAYER)["alarm_names"]
    assert len(exported) == len(set(exported))
    assert sorted(exported) == sorted(a["inputs"]["name"] for a in alarms(dev_plan))


@pytest.mark.parametrize("overrides", [{}, WEST], ids=["dev", "no-dr-region-in-us-east-1"])
def test_composites_reference_only_existing_alarms_of_their_own_region(overrides):
    plan = plan_of("dev", **overrides)
    out, settings = outputs(plan, LAYER), plan.settings
    for role in ROLES:
        region = getattr(settings, f"{role}_region")
        composite = one([c for c in resources(plan, LAYER, COMPOSITE)
                         if c["inputs"]["alarmName"] == out[f"{role}_region_impaired_alarm_name"]])
        assert composite["region"] == region
        referenced = re.findall(r'ALARM\("([^"]+)"\)', composite["inputs"]["alarmRule"])
        local = {a["inputs"]["name"]: a for a in alarms(plan, region=region)}
        assert referenced and set(referenced) <= set(local)
        # Users are hurt when the NLB has no healthy target or either door fails requests.
        metrics = {local[n]["inputs"].get("metricName") for n in referenced} | {
            q["metric"]["metricName"] for n in referenced
            for q in local[n]["inputs"].get("metricQueries", []) if "metric" in q}
        assert {"HealthyHostCount", "5XXError", "HTTPCode_Target_5XX_Count"} <= metrics
        assert ("HealthCheckStatus" in metrics) == (region == "us-east-1")


# --- Dashboards ---


def test_dashboards_per_region_and_one_global_view_are_exported(dev_plan):
    out = outputs(dev_plan, LAYER)
    dashboards = {d["inputs"]["dashboardName"]: d["region"]
                  for d in resources(dev_plan, LAYER, DASHBOARD)}
    assert sorted(out["dashboard_names"]) == sorted(dashboards)
    assert sorted(set(dashboards.values())) == sorted(REGIONS.values())
    assert len(dashboards) == 3
    for name, url in zip(out["dashboard_names"], out["dashboard_urls"], strict=True):
        region = dashboards[name]
        assert url == (f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
                       f"#dashboards/dashboard/{name}")


def test_regional_alarm_strips_show_every_alarm_of_their_region(dev_plan):
    composites = resources(dev_plan, LAYER, COMPOSITE)
    for dashboard in resources(dev_plan, LAYER, DASHBOARD):
        region = dashboard["region"]
        strips = [w for w in widgets(dev_plan)[dashboard["inputs"]["dashboardName"]]
                  if w["type"] == "alarm"]
        if not strips:
            continue
        expected = {alarm_arn(region, a["inputs"]["name"]) for a in alarms(dev_plan, region=region)}
        expected |= {alarm_arn(region, c["inputs"]["alarmName"])
                     for c in composites if c["region"] == region}
        assert set(one(strips)["properties"]["alarms"]) == expected


def test_dashboards_graph_only_metrics_that_exist(dev_plan):
    """Each graphed metric is one an alarm watches (whose IDs the tests above tie to the
    upstream outputs) or, for the few only graphed, built from the upstream IDs directly."""
    alarmed = [w for a in alarms(dev_plan) for w in every_watched(a)]
    traffic = outputs(dev_plan, "global-traffic")
    accelerator = traffic["accelerator_arn"].split("accelerator/", 1)[1]
    listener = traffic["listener_arn"].rsplit("/listener/", 1)[1]
    web_acls = {outputs(dev_plan, "compute")[f"{role}_web_acl_name"] for role in ROLES}
    for name, widget_list in widgets(dev_plan).items():
        rows = metric_rows(widget_list)
        assert rows, name
        for namespace, metric, dimensions, region in rows:
            if namespace == "AWS/GlobalAccelerator":
                # Global Accelerator publishes only in us-west-2.
                assert region == "us-west-2" and dimensions["Accelerator"] == accelerator
                assert dimensions.get("Listener", listener) == listener
                assert dimensions.get("EndpointGroup", REGIONS["primary"]) in REGIONS.values()
            elif namespace == "AWS/WAFV2":
                # Graphed only: the region's web ACL as compute names it (tests/stacks/test_waf.py).
                assert dimensions["WebACL"] in web_acls and dimensions["Region"] == region
            else:
                assert (namespace, metric, dimensions, region) in alarmed, (name, metric)


def test_the_global_view_graphs_every_replication_path_and_both_regions(dev_plan):
    overview = metric_rows(one([w for name, w in widgets(dev_plan).items()
                                if name.startswith("dr-overview-")]))
    replication = [watched(a) for a in alarms(dev_plan)
                   if a["inputs"].get("namespace") in ("AWS/S3", "AWS/DynamoDB", "AWS/RDS")]
    assert len(replication) == 8  # Aurora x2, DynamoDB both ways, S3 latency and failures both ways
    assert all(path in overview for path in replication)
    graphed_checks = {d["HealthCheckId"] for ns, _, d, _ in overview if ns == "AWS/Route53"}
    assert graphed_checks == {outputs(dev_plan, "global-traffic")[f"{r}_health_check_id"]
                              for r in ROLES}
    assert {m for ns, m, _, _ in overview if ns == "AWS/GlobalAccelerator"} >= \
        {"HealthyEndpointCount", "NewFlowCount"}
