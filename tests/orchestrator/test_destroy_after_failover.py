"""destroy-all after a failover: the swapped global database is put in a state the layer's
destroy order can delete, before any layer is destroyed (moto holds the global cluster)."""

from __future__ import annotations

import boto3
from invoke import Context

from shared.cli.deploy import deploy_all, destroy_all
from shared.contracts import LAYERS
from tests.support import outputs, plan_of

PRIMARY, SECONDARY = "us-east-1", "us-east-2"


def failed_over_global_database() -> dict[str, str]:
    """The dev global database as a failover leaves it: us-east-2 writes, us-east-1 replicates."""
    data = outputs(plan_of("dev"), "data")
    writer, reader = boto3.client("rds", region_name=SECONDARY), boto3.client("rds", region_name=PRIMARY)
    writer.create_global_cluster(GlobalClusterIdentifier=data["global_cluster_id"],
                                 Engine="aurora-postgresql", EngineVersion="16.6")
    for client, key in ((writer, "secondary_cluster_id"), (reader, "primary_cluster_id")):
        client.create_db_cluster(DBClusterIdentifier=data[key], Engine="aurora-postgresql",
                                 EngineVersion="16.6", GlobalClusterIdentifier=data["global_cluster_id"],
                                 **({"MasterUsername": "dradmin", "MasterUserPassword": "not-a-secret-1"}
                                    if client is writer else {}))
    return data


def members(data: dict[str, str]) -> list[str]:
    found = boto3.client("rds", region_name=SECONDARY).describe_global_clusters(
        GlobalClusterIdentifier=data["global_cluster_id"])["GlobalClusters"][0]
    return [m["DBClusterArn"] for m in found["GlobalClusterMembers"]]


def test_destroy_all_after_a_failover_detaches_the_old_primary_first(standin, capsys):
    deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    data = failed_over_global_database()
    assert data["primary_cluster_arn"] in members(data)
    destroy_all(Context(), env="dev", yes=True, backend=standin.backend)
    assert members(data) == [data["secondary_cluster_arn"]]
    assert set(standin.layers("destroy")) == set(LAYERS)
    assert "after a failover" in capsys.readouterr().out
