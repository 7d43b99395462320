"""Against a live deployment: the entry points answer and every replication path is in place."""

import urllib.request

import boto3
import pytest

pytestmark = pytest.mark.integration


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own endpoint
        return response.status


def test_the_accelerator_serves_the_health_endpoint(deployed):
    traffic = deployed["global-traffic"]
    port = deployed["network-primary"]["nlb_listener_port"]
    assert _get(f"http://{traffic['accelerator_dns_name']}:{port}/health") == 200


def test_each_regions_nlb_serves_the_health_endpoint(deployed):
    for layer in ("network-primary", "network-secondary"):
        network = deployed[layer]
        assert _get(f"http://{network['nlb_dns_name']}:{network['nlb_listener_port']}/health") == 200


def test_the_global_database_has_a_member_in_each_region(deployed):
    data = deployed["data"]
    rds = boto3.client("rds", region_name=deployed["network-primary"]["region"])
    members = rds.describe_global_clusters(GlobalClusterIdentifier=data["global_cluster_id"])[
        "GlobalClusters"][0]["GlobalClusterMembers"]
    arns = {m["DBClusterArn"] for m in members}
    assert {data["primary_cluster_arn"], data["secondary_cluster_arn"]} <= arns


def test_the_table_has_an_active_replica_in_the_secondary(deployed):
    data = deployed["data"]
    dynamodb = boto3.client("dynamodb", region_name=deployed["network-primary"]["region"])
    replicas = dynamodb.describe_table(TableName=data["table_name"])["Table"].get("Replicas", [])
    secondary = deployed["network-secondary"]["region"]
    assert any(r["RegionName"] == secondary and r["ReplicaStatus"] == "ACTIVE" for r in replicas)


def test_both_regions_agree_on_the_active_region(deployed):
    name = deployed["data"]["active_region_parameter_name"]
    values = {boto3.client("ssm", region_name=deployed[layer]["region"]).get_parameter(Name=name)[
        "Parameter"]["Value"] for layer in ("network-primary", "network-secondary")}
    assert len(values) == 1
