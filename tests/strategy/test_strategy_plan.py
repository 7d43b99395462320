"""dr:strategy: each strategy planned offline, by what stands in the secondary region."""

from __future__ import annotations

import pytest

from shared.config import settings_for
from shared.contracts.mirror import contract_prefix
from shared.settings import SettingsError
from tests.support import mirror_parameters, outputs, plan_of, resources

SECONDARY = "us-east-2"
INSTANCE, CLUSTER = "aws:rds/clusterInstance:ClusterInstance", "aws:rds/cluster:Cluster"
# What keeps replicating into the secondary whatever the strategy.
REPLICATION = ("aws:dynamodb/table:Table", "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
               "aws:kms/replicaKey:ReplicaKey", "aws:secretsmanager/secret:Secret",
               "aws:ssm/parameter:Parameter", "aws:rds/globalCluster:GlobalCluster")


def secondary_cluster(plan) -> dict:
    [cluster] = resources(plan, "data", CLUSTER, SECONDARY)
    return cluster


def test_the_default_is_hot_standby_with_an_instance_in_each_region(dev_plan):
    assert dev_plan.to_json()["strategy"] == "hot-standby"
    assert sorted(r["region"] for r in resources(dev_plan, "data", INSTANCE)) == [
        "us-east-1", SECONDARY]


def test_pilot_light_leaves_the_secondary_cluster_headless_and_keeps_replicating(dev_plan):
    pilot = plan_of("dev", strategy="pilot-light")
    assert pilot.to_json()["strategy"] == "pilot-light"
    assert [r["region"] for r in resources(pilot, "data", INSTANCE)] == ["us-east-1"]
    # Still a member of the global database: Aurora keeps its storage in sync.
    assert secondary_cluster(pilot)["inputs"]["globalClusterIdentifier"] == \
        secondary_cluster(dev_plan)["inputs"]["globalClusterIdentifier"]
    for kind in REPLICATION:
        assert len(resources(pilot, "data", kind)) == len(resources(dev_plan, "data", kind)), kind
    # The entry path stays: Global Accelerator's group and the Route 53 check need the NLB.
    for layer in ("network-secondary", "compute"):
        assert len(resources(pilot, layer)) == len(resources(dev_plan, layer)), layer


def test_warm_standby_runs_the_secondary_at_minimum_capacity():
    warm = plan_of("dev", strategy="warm-standby", auroraMinAcu="2", auroraMaxAcu="4")
    scaling = {r["region"]: r["inputs"]["serverlessv2ScalingConfiguration"]
               for r in resources(warm, "data", CLUSTER)}
    assert scaling["us-east-1"] == {"minCapacity": 2, "maxCapacity": 4}
    assert scaling[SECONDARY] == {"minCapacity": 0.5, "maxCapacity": 4}
    assert len(resources(warm, "data", INSTANCE)) == 2
    assert outputs(warm, "data")["serving_min_acu"] == 2


def test_the_strategy_is_in_the_contract_mirror_of_both_regions():
    pilot = plan_of("dev", strategy="pilot-light")
    assert outputs(pilot, "data")["dr_strategy"] == "pilot-light"
    name = f"{contract_prefix('dev')}data/dr_strategy"
    mirrored = {p["Region"]: p["Value"] for p in mirror_parameters(pilot) if p["Name"] == name}
    assert mirrored == {"us-east-1": "pilot-light", SECONDARY: "pilot-light"}


@pytest.mark.parametrize("value", ["pilot-lite", "cold"])
def test_an_unknown_strategy_is_one_line_naming_the_choices(value):
    with pytest.raises(SettingsError, match="^dr:strategy: .* use pilot-light or warm-standby "
                       "or hot-standby$"):
        settings_for("dev", {"dr:strategy": value})


def test_only_the_secondary_health_function_accepts_a_headless_cluster():
    pilot = plan_of("dev", strategy="pilot-light")
    health = {r["region"]: r["inputs"]["environment"]["variables"]["DR_STRATEGY"]
              for r in resources(pilot, "compute", "aws:lambda/function:Function")
              if "DR_STRATEGY" in r["inputs"]["environment"]["variables"]}
    assert health == {"us-east-1": "hot-standby", SECONDARY: "pilot-light"}
