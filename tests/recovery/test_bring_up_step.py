"""The Region switch plan's bring-up-database step as ARC runs it in the activating region: a
headless cluster gets an instance, the step fails (ARC retries) until it is available, a rerun
adds nothing. RDS from moto; the not-yet-available answer from botocore's Stubber."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from tests.recovery.conftest import ACTIVATING, World

CLUSTER = "dr-aurora-dev-use2"


@pytest.fixture
def headless(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setenv("OWN_CLUSTER_ID", CLUSTER)
    boto3.client("rds", region_name=ACTIVATING).create_db_cluster(
        DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql", MasterUsername="dradmin",
        MasterUserPassword="not-a-real-password-1",
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 1.0})
    return world


def test_a_headless_cluster_gets_an_instance_and_a_rerun_adds_none(headless: World) -> None:
    first = headless.run("bring-up-database")
    assert first["created"] is True and first["instances"] == {f"{CLUSTER}-up": "available"}
    created = [c for c in headless.calls if c.operation == "CreateDBInstance"]
    assert [(c.region, c.params["DBClusterIdentifier"], c.params["DBInstanceClass"]) for c in created] == [
        (ACTIVATING, CLUSTER, "db.serverless")]
    again = headless.run("bring-up-database")
    assert again["created"] is False
    assert len([c for c in headless.calls if c.operation == "CreateDBInstance"]) == 1
    assert {c.region for c in headless.calls if c.service == "rds"} == {ACTIVATING}


def test_an_instance_still_creating_fails_the_step_so_arc_runs_it_again(world: World) -> None:
    rds = boto3.client("rds", region_name=ACTIVATING)
    with Stubber(rds) as stub:
        stub.add_response("describe_db_clusters", {"DBClusters": [{
            "DBClusterIdentifier": CLUSTER, "Engine": "aurora-postgresql",
            "DBClusterMembers": [{"DBInstanceIdentifier": f"{CLUSTER}-up"}]}]},
            {"DBClusterIdentifier": CLUSTER})
        stub.add_response("describe_db_instances", {"DBInstances": [{
            "DBInstanceIdentifier": f"{CLUSTER}-up", "DBInstanceStatus": "creating"}]},
            {"Filters": [{"Name": "db-cluster-id", "Values": [CLUSTER]}]})
        import bring_up_step
        with pytest.raises(bring_up_step.NotYet, match=f"{CLUSTER}-up creating; waiting"):
            bring_up_step.bring_up_database(rds, CLUSTER)
