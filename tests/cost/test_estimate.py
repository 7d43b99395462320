"""The estimate counts what the plan holds: per AZ, per replica, per minimum ACU, per metric."""

import json
import subprocess
import sys

from shared import ci_settings
from shared.config import REPO_ROOT
from shared.cost.book import load_price_book
from shared.cost.estimate import estimate
from tests.support import plan_of, resources

HOURS = 730


def estimate_of(environment="dev", **overrides):
    plan = plan_of(environment, **overrides)
    return plan, estimate(environment, [(run.name, run.resources) for run in plan.runs], load_price_book())


def quantity(result, charge, layer=None, region=None):
    return sum(line.quantity for line in result.standing if line.charge == charge
               and (layer is None or line.layer == layer) and (region is None or line.region == region))


def test_interface_endpoints_bill_per_az_and_gateway_endpoints_not_at_all():
    for az_count in ("2", "3"):
        plan, result = estimate_of(azCount=az_count)
        interface = [r for layer in ("network-primary", "network-secondary")
                     for r in resources(plan, layer, "aws:ec2/vpcEndpoint:VpcEndpoint")
                     if r["inputs"]["vpcEndpointType"] == "Interface"]
        assert interface and all(len(r["inputs"]["subnetIds"]) == int(az_count) for r in interface)
        assert quantity(result, "interface-endpoint-hour") == len(interface) * int(az_count) * HOURS


def test_only_the_internet_facing_nlbs_hold_public_addresses_one_per_az():
    _, result = estimate_of()
    assert {line.layer for line in result.standing if line.charge == "public-ipv4-hour"} == {
        "network-primary", "network-secondary"}
    assert quantity(result, "public-ipv4-hour", "network-primary") == 2 * HOURS
    # The NLB and the internal ALB behind it are both load balancers, in each region.
    assert quantity(result, "load-balancer-hour", region="us-east-1") == 2 * HOURS


def test_aurora_bills_its_minimum_capacity_in_both_regions():
    for minimum in ("0.5", "2"):
        _, result = estimate_of(auroraMinAcu=minimum, auroraMaxAcu="4")
        for region in ("us-east-1", "us-east-2"):
            assert quantity(result, "aurora-serverless-acu-hour", "data", region) == float(minimum) * HOURS


def test_a_replicated_secret_bills_once_per_region_and_each_key_replica_as_a_key():
    plan, result = estimate_of()
    assert quantity(result, "secret-month", "data") == 2
    keys = (len(resources(plan, "data", "aws:kms/key:Key"))
            + len(resources(plan, "data", "aws:kms/replicaKey:ReplicaKey")))
    assert quantity(result, "kms-key-month", "data") == keys == 2


def test_alarms_bill_per_metric_and_every_alarm_is_counted():
    plan, result = estimate_of()
    alarms = resources(plan, "monitoring", "aws:cloudwatch/metricAlarm:MetricAlarm")
    metrics = sum(sum(1 for q in r["inputs"].get("metricQueries") or [] if q.get("metric")) or 1
                  for r in alarms)
    assert quantity(result, "alarm-metric-month") == metrics > 0


def test_the_accounts_three_free_dashboards_are_not_billed():
    plan, result = estimate_of()
    dashboards = len(resources(plan, "monitoring", "aws:cloudwatch/dashboard:Dashboard"))
    assert dashboards > 0
    assert quantity(result, "dashboard-month") == max(dashboards - 3, 0)


def test_transfer_between_us_east_1_and_us_east_2_is_priced_at_their_pairs_rate():
    _, result = estimate_of()
    (line,) = [line for line in result.usage if line.charge == "inter-region-transfer-gb"]
    assert line.price == 0.01  # the default regions: N. Virginia <-> Ohio
    charge = load_price_book().charges["inter-region-transfer-gb"]
    assert charge.price_between({"us-east-1", "us-west-2"}) == 0.02


def test_the_total_is_the_sum_of_the_lines_and_usage_is_listed_not_totalled():
    _, result = estimate_of()
    assert round(result.total, 6) == round(sum(line.quantity * line.price for line in result.standing), 6)
    assert round(sum(result.by_layer().values()), 6) == round(result.total, 6)
    assert "lambda-request-million" in {line.charge for line in result.usage}
    assert result.unpriced == []


def invoke(*args):
    return subprocess.run([sys.executable, "-m", "invoke", "cost", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


def test_invoke_cost_json_matches_the_estimate_and_bad_input_is_one_line():
    _, expected = estimate_of("prod")
    done = invoke("--env", "prod", "--format", "json", *ci_settings.set_flags("prod").split())
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["monthly_total"] == round(expected.total, 2)
    assert report["environment"] == "prod" and report["prices_read"] == load_price_book().read
    bad = invoke("--format", "xml")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: --format must be table (or text) or json, not 'xml'"
