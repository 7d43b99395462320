"""Before a dev destroy: the global database's roles as AWS has them, against botocore's Stubber
(moto cannot fail a global cluster over, so its describe would always name the deployed writer)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from shared.config import layer_settings
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import OpsError, Refused
from shared.ops.aws.waiting import Waiter
from shared.ops.maintenance.teardown import (
    before_data_destroy,
    global_cluster_id,
    prepare_global_database_destroy,
    remove_brought_up_instances,
)
from tests.ops.conftest import FakeClock
from tests.support import outputs, plan_of

PRIMARY, SECONDARY = "us-east-1", "us-east-2"
GLOBAL = global_cluster_id("dev")


@pytest.fixture
def arns() -> dict[str, str]:
    """The cluster ARNs the dev plan deploys, by region."""
    data = outputs(plan_of("dev"), "data")
    assert data["global_cluster_id"] == GLOBAL
    return {PRIMARY: data["primary_cluster_arn"], SECONDARY: data["secondary_cluster_arn"]}


@pytest.fixture
def rds() -> dict[str, Stubber]:
    stubs = {}
    for region in (PRIMARY, SECONDARY):
        client = boto3.client("rds", region_name=region, aws_access_key_id="test",
                              aws_secret_access_key="test")
        stubs[region] = Stubber(client)
        stubs[region].activate()
    return stubs


@pytest.fixture
def clients(rds) -> AwsClients:
    found = AwsClients()
    for region, stub in rds.items():
        found.use("rds", region, stub.client)
    return found


def described(writer: str, *readers: str, failover: dict[str, Any] | None = None) -> dict[str, Any]:
    members = [{"DBClusterArn": writer, "IsWriter": True, "Readers": list(readers)},
               *({"DBClusterArn": r, "IsWriter": False, "Readers": []} for r in readers)]
    cluster: dict[str, Any] = {"GlobalClusterIdentifier": GLOBAL, "Status": "available",
                               "GlobalClusterMembers": members}
    if failover:
        cluster["FailoverState"] = failover
    return {"GlobalClusters": [cluster]}


def expect_describe(stub: Stubber, answer: dict[str, Any]) -> None:
    stub.add_response("describe_global_clusters", answer, {"GlobalClusterIdentifier": GLOBAL})


def prepare(clients: AwsClients, clock: FakeClock | None = None) -> list[str]:
    clock = clock or FakeClock()
    return prepare_global_database_destroy(
        clients, "dev", PRIMARY, SECONDARY, timeout=600, echo=lambda line: None,
        waiter=Waiter(clock=clock, sleep=clock.sleep, echo=lambda line: None))


def test_roles_as_deployed_need_nothing_before_the_destroy(clients, rds, arns):
    expect_describe(rds[PRIMARY], described(arns[PRIMARY], arns[SECONDARY]))
    assert prepare(clients) == []
    rds[PRIMARY].assert_no_pending_responses()


def test_after_a_failover_the_old_primary_leaves_the_global_database_first(clients, rds, arns):
    # The deployed secondary writes: its instance is the writer's last while us-east-1 replicates.
    expect_describe(rds[PRIMARY], described(arns[SECONDARY], arns[PRIMARY]))
    rds[PRIMARY].add_response("remove_from_global_cluster", {}, {
        "GlobalClusterIdentifier": GLOBAL, "DbClusterIdentifier": arns[PRIMARY]})
    # Still a member at the first look, then gone and promoting, then a standalone cluster.
    expect_describe(rds[SECONDARY], described(arns[SECONDARY], arns[PRIMARY]))
    expect_describe(rds[SECONDARY], described(arns[SECONDARY]))
    rds[PRIMARY].add_response("describe_db_clusters", {"DBClusters": [{"Status": "promoting"}]},
                              {"DBClusterIdentifier": arns[PRIMARY]})
    expect_describe(rds[SECONDARY], described(arns[SECONDARY]))
    rds[PRIMARY].add_response("describe_db_clusters", {"DBClusters": [{"Status": "available"}]},
                              {"DBClusterIdentifier": arns[PRIMARY]})
    assert prepare(clients) == [arns[PRIMARY]]
    for stub in rds.values():
        stub.assert_no_pending_responses()


def test_a_switchover_under_way_is_waited_for_not_raced(clients, rds, arns):
    expect_describe(rds[PRIMARY], described(arns[PRIMARY], arns[SECONDARY], failover={
        "Status": "failing-over", "FromDbClusterArn": arns[PRIMARY], "ToDbClusterArn": arns[SECONDARY]}))
    with pytest.raises(Refused, match="invoke status --env dev"):
        prepare(clients)


def test_a_switchover_seen_only_in_the_global_clusters_status_is_refused_too(clients, rds, arns):
    answer = described(arns[PRIMARY], arns[SECONDARY])
    answer["GlobalClusters"][0]["Status"] = "switching-over"
    expect_describe(rds[PRIMARY], answer)
    with pytest.raises(Refused, match="is switching-over .*nothing destroyed"):
        prepare(clients)


def test_a_lost_primary_region_is_read_through_the_secondary(clients, rds, arns):
    rds[PRIMARY].add_client_error("describe_global_clusters", service_error_code="InternalFailure",
                                  http_status_code=500)
    expect_describe(rds[SECONDARY], described(arns[SECONDARY]))
    assert prepare(clients) == []  # the old primary is no longer a member: nothing to detach


def test_no_region_answering_destroys_nothing(clients, rds):
    for stub in rds.values():
        stub.add_client_error("describe_global_clusters", service_error_code="InternalFailure",
                              http_status_code=500)
    with pytest.raises(OpsError, match="cannot read the global database dr-aurora-dev in either region"):
        prepare(clients)


def test_a_refused_detach_names_failback(clients, rds, arns):
    expect_describe(rds[PRIMARY], described(arns[SECONDARY], arns[PRIMARY]))
    rds[PRIMARY].add_client_error("remove_from_global_cluster",
                                  service_error_code="InvalidGlobalClusterStateFault")
    with pytest.raises(OpsError, match="invoke failback --env dev"):
        prepare(clients)


def test_a_detach_that_never_settles_stops_before_anything_is_destroyed(clients, rds, arns):
    expect_describe(rds[PRIMARY], described(arns[SECONDARY], arns[PRIMARY]))
    rds[PRIMARY].add_response("remove_from_global_cluster", {}, {
        "GlobalClusterIdentifier": GLOBAL, "DbClusterIdentifier": arns[PRIMARY]})
    for _ in range(70):
        expect_describe(rds[SECONDARY], described(arns[SECONDARY], arns[PRIMARY]))
    with pytest.raises(OpsError, match="nothing destroyed"):
        prepare(clients)


def test_nothing_deployed_is_nothing_to_do(clients, rds):
    rds[PRIMARY].add_client_error("describe_global_clusters",
                                  service_error_code="GlobalClusterNotFoundFault", http_status_code=404)
    assert prepare(clients) == []


def test_a_protected_environment_keeps_its_clusters_and_asks_nothing(clients, rds):
    assert before_data_destroy(layer_settings("data", "prod"), clients) == []
    rds[PRIMARY].assert_no_pending_responses()


def members(stub: Stubber, cluster: str, *instances: str) -> None:
    stub.add_response("describe_db_clusters", {"DBClusters": [{
        "DBClusterIdentifier": cluster,
        "DBClusterMembers": [{"DBInstanceIdentifier": i} for i in instances]}]},
        {"DBClusterIdentifier": cluster})


def instances(stub: Stubber, cluster: str, **statuses: str) -> None:
    stub.add_response("describe_db_instances", {"DBInstances": [
        {"DBInstanceIdentifier": name, "DBInstanceStatus": status} for name, status in statuses.items()]},
        {"Filters": [{"Name": "db-cluster-id", "Values": [cluster]}]})


def test_a_pilot_lights_failover_instance_is_deleted_and_waited_for_before_the_destroy(
        clients, rds, arns, monkeypatch):
    # After a drill the secondary holds `<cluster>-up`, which no stack knows: AWS refuses to delete
    # a cluster that still has instances, so the destroy of data would stop there.
    primary, secondary = "dr-aurora-dev-use1", "dr-aurora-dev-use2"
    clock = FakeClock()
    monkeypatch.setattr("shared.ops.maintenance.teardown.Waiter",
                        lambda echo: Waiter(clock=clock, sleep=clock.sleep, echo=echo))
    expect_describe(rds[PRIMARY], described(arns[PRIMARY], arns[SECONDARY]))  # failed back: as deployed
    members(rds[PRIMARY], primary, f"{primary}-1")  # the stack's own: Pulumi deletes it
    members(rds[SECONDARY], secondary, f"{secondary}-up")
    rds[SECONDARY].add_response("delete_db_instance", {"DBInstance": {}},
                                {"DBInstanceIdentifier": f"{secondary}-up"})
    instances(rds[SECONDARY], secondary, **{f"{secondary}-up": "deleting"})
    instances(rds[SECONDARY], secondary)

    deleted = before_data_destroy(layer_settings("data", "dev"), clients)

    assert deleted == [f"{secondary}-up"]
    for stub in rds.values():
        stub.assert_no_pending_responses()


def test_a_cluster_already_gone_has_no_failover_instance_to_delete(clients, rds):
    for region in (PRIMARY, SECONDARY):
        rds[region].add_client_error("describe_db_clusters", service_error_code="DBClusterNotFoundFault",
                                     http_status_code=404)
    assert remove_brought_up_instances(clients, "dev", (PRIMARY, SECONDARY), echo=lambda line: None) == []
