"""Switching dr:strategy on a deployed environment replaces no data store: the `invoke plan
--compare` machinery (shared/plan/compare.py, force_new.yaml) judges each switch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.plan.compare import compare_plans
from tests.support import plan_of

# Every store, and what it needs to be read: replacing one of these loses data or access.
STORES = {"aws:rds/cluster:Cluster", "aws:rds/globalCluster:GlobalCluster",
          "aws:dynamodb/table:Table", "aws:s3/bucket:Bucket",
          "aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:secretsmanager/secret:Secret",
          "aws:backup/vault:Vault", "aws:rds/subnetGroup:SubnetGroup"}


def as_json(strategy: str, environment: str = "dev", **settings: str) -> dict[str, Any]:
    plan = plan_of(environment, strategy=strategy, **settings)
    return json.loads(json.dumps(plan.to_json(), default=str))


def changes(before: str, after: str, **settings: str) -> list[tuple[str, str, str, list[str]]]:
    diff = compare_plans(as_json(before, **settings), as_json(after, **settings))
    return [(layer.name, change.action, change.type, change.inputs)
            for layer in diff.layers for change in layer.resources]


def test_a_protected_environment_can_switch_to_pilot_light_in_one_deploy():
    # Pulumi fails any update that deletes a resource marked protected: whatever a switch drops
    # from prod's stack must be kept (retain_on_delete) but not protected.
    before = as_json("hot-standby", "prod")
    diff = compare_plans(before, as_json("pilot-light", "prod"))
    dropped = {c.urn for layer in diff.layers for c in layer.resources if c.action == "delete"}
    state = {r["urn"]: r for layer in before["layers"] for r in layer["resources"]}
    assert dropped and all(not state[u]["protect"] and state[u]["retain_on_delete"] for u in dropped)


@pytest.mark.parametrize(("before", "after"), [
    ("hot-standby", "pilot-light"), ("pilot-light", "hot-standby"),
    ("hot-standby", "warm-standby"), ("warm-standby", "pilot-light")])
def test_no_switch_replaces_or_deletes_a_store(before, after):
    touched = [c for c in changes(before, after, auroraMinAcu="2", auroraMaxAcu="4")
               if c[1] in ("replace", "delete") and c[2] in STORES]
    assert touched == []


def test_pilot_light_only_removes_the_secondary_instance():
    assert [c for c in changes("hot-standby", "pilot-light") if c[1] != "update"] == [
        ("data", "delete", "aws:rds/clusterInstance:ClusterInstance", [])]


def test_back_to_hot_standby_adds_the_instance_and_nothing_else():
    assert [c for c in changes("pilot-light", "hot-standby") if c[1] != "update"] == [
        ("data", "add", "aws:rds/clusterInstance:ClusterInstance", [])]


def test_warm_standby_is_an_in_place_capacity_change_of_the_secondary_cluster():
    assert [c for c in changes("hot-standby", "warm-standby", auroraMinAcu="2", auroraMaxAcu="4")
            if c[0] == "data" and c[2] == "aws:rds/cluster:Cluster"] == [
        ("data", "update", "aws:rds/cluster:Cluster", ["serverlessv2ScalingConfiguration"])]
