"""DR operations against emulated AWS: moto for SSM, DynamoDB and S3; botocore's Stubber, which
checks every request and response against the AWS model, for the rest:
- Global Accelerator and Aurora global switchover/failover: moto does not implement them;
- Aurora describe calls: moto cannot switch a global cluster over, so after a stubbed switchover
  its describe would still name the old writer; the same Stubber answers both;
- Route 53 checker status: moto answers one fixed healthy observation, never a failing checker;
- CloudWatch lag: moto would serve it, but a queued answer per read states what each read sees.
Each region's entry point (`/health` over HTTP) is answered by `Entries`, an injected prober:
no network is used; tests/ops/test_outage_end_to_end.py also serves one from a real loopback server.

The topology is the offline plan's own outputs, so identifiers are the ones the layers export.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from shared.ops.aws import authority
from shared.ops.aws.clients import GA_API_REGION, ROUTE53_API_REGION, AwsClients
from shared.ops.aws.entry import EntryAnswer
from shared.ops.aws.topology import OPTIONAL_LAYERS, SOURCE_LAYERS, DrTopology, topology_from_outputs
from shared.ops.aws.waiting import Waiter
from shared.ops.engines.failover import Failover
from shared.ops.engines.state import StateStore
from tests.outage import GlobalTableReplication, replicate_table
from tests.support import outputs, plan_of

PRIMARY, SECONDARY = "us-east-1", "us-east-2"


def planned_topology(protect_data: bool = False) -> DrTopology:
    """The dev plan's topology, every layer deployed (the recovery layer with its plan off)."""
    plan = plan_of("dev")
    return topology_from_outputs("dev", {layer: outputs(plan, layer)
                                         for layer in SOURCE_LAYERS + OPTIONAL_LAYERS},
                                 replication_lag_limit_seconds=60, protect_data=protect_data)


class FakeClock:
    """Time that moves only when the code sleeps or a step does work, so durations are exact."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 0.5  # every read of the clock costs half a second of "AWS time"
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Entries:
    """Each region's `/health` as a prober sees it: healthy, answering 503, or not answering."""

    def __init__(self, topology: DrTopology) -> None:
        self.topology = topology
        self.state = {side.health_url: "healthy" for side in topology.regions}
        self.asked: list[str] = []

    def set(self, role: str, state: str) -> None:
        assert state in ("healthy", "failing", "down")
        self.state[self.topology.role(role).health_url] = state

    def __call__(self, url: str, timeout: float) -> EntryAnswer:
        self.asked.append(url)
        state = self.state.get(url, "down")
        if state == "down":
            return EntryAnswer(url, answered=False, healthy=False, detail=f"no answer within {timeout:g} s")
        return EntryAnswer(url, answered=True, healthy=state == "healthy",
                           detail="HTTP 200" if state == "healthy" else "HTTP 503")


class Aws:
    """The emulated account: moto behind every client, Stubber in front of the ones moto lacks."""

    def __init__(self, topology: DrTopology) -> None:
        self.topology = topology
        self.clients = AwsClients(config=None)
        self.stubs: dict[tuple[str, str], Stubber] = {}
        self.entries = Entries(topology)
        self.replication: GlobalTableReplication | None = None

    def stub(self, service: str, region: str) -> Stubber:
        if (service, region) not in self.stubs:
            client = boto3.client(service, region_name=region)
            stubber = Stubber(client)
            stubber.activate()
            self.clients.use(service, region, client)
            self.stubs[(service, region)] = stubber
        return self.stubs[(service, region)]

    def side(self, role: str) -> Any:
        return self.topology.role(role)

    # --- Aurora ---
    def cluster(self, region: str, writer: str, status: str = "available",
                failover: dict[str, Any] | None = None, sync: str = "connected") -> None:
        members = [{"DBClusterArn": side.cluster_arn, "IsWriter": side.role == writer,
                    "Readers": [], "GlobalWriteForwardingStatus": "disabled",
                    **({} if side.role == writer else {"SynchronizationStatus": sync})}
                   for side in self.topology.regions]
        cluster: dict[str, Any] = {
            "GlobalClusterIdentifier": self.topology.global_cluster_id, "Status": status,
            "Engine": "aurora-postgresql", "EngineVersion": "16.4", "GlobalClusterMembers": members}
        if failover:
            cluster["FailoverState"] = failover
        self.stub("rds", region).add_response(
            "describe_global_clusters", {"GlobalClusters": [cluster]},
            {"GlobalClusterIdentifier": self.topology.global_cluster_id})

    def db_cluster(self, role: str, status: str = "available", version: str = "16.4",
                   retention: int = 7) -> None:
        """The cluster of `role` as its own region's RDS endpoint describes it."""
        side = self.side(role)
        self.stub("rds", side.region).add_response(
            "describe_db_clusters", {"DBClusters": [{
                "DBClusterIdentifier": side.cluster_id, "DBClusterArn": side.cluster_arn,
                "Status": status, "Engine": "aurora-postgresql", "EngineVersion": version,
                "BackupRetentionPeriod": retention}]},
            {"DBClusterIdentifier": side.cluster_id})

    def snapshots(self, role: str, *snapshots: dict[str, Any]) -> None:
        """`describe_db_cluster_snapshots` of `role`'s cluster: automated and manual ones alike."""
        side = self.side(role)
        self.stub("rds", side.region).add_response(
            "describe_db_cluster_snapshots", {"DBClusterSnapshots": list(snapshots)},
            {"DBClusterIdentifier": side.cluster_id})

    def switchover(self, region: str, target: str) -> None:
        self.stub("rds", region).add_response(
            "switchover_global_cluster", {"GlobalCluster": {"Status": "switching-over"}},
            {"GlobalClusterIdentifier": self.topology.global_cluster_id,
             "TargetDbClusterIdentifier": self.side(target).cluster_arn})

    def failover(self, region: str, target: str) -> None:
        self.stub("rds", region).add_response(
            "failover_global_cluster", {"GlobalCluster": {"Status": "failing-over"}},
            {"GlobalClusterIdentifier": self.topology.global_cluster_id,
             "TargetDbClusterIdentifier": self.side(target).cluster_arn, "AllowDataLoss": True})

    def lag(self, role: str, milliseconds: float | None) -> None:
        """The RPO lag of `role`'s cluster, asked of its own region (Aurora PostgreSQL's metric)."""
        side = self.side(role)
        points = [] if milliseconds is None else [
            {"Timestamp": datetime.now(UTC), "Maximum": milliseconds, "Unit": "Milliseconds"}]
        self.stub("cloudwatch", side.region).add_response(
            "get_metric_statistics", {"Label": "AuroraGlobalDBRPOLag", "Datapoints": points},
            {"Namespace": "AWS/RDS", "MetricName": "AuroraGlobalDBRPOLag",
             "Dimensions": [{"Name": "DBClusterIdentifier", "Value": side.cluster_id}],
             "StartTime": ANY, "EndTime": ANY, "Period": 60, "Statistics": ["Maximum"]})

    def objects(self, target: str, pending: float | None = 0, failed: float | None = None) -> None:
        """S3's replication metrics for the rule into `target`'s bucket: operations pending (in
        the target's region, as S3 publishes them) and failed (in the source's)."""
        into, source = self.side(target), self.topology.other(target)
        rule = (self.topology.reverse_replication_rule_id if target == "primary"
                else self.topology.replication_rule_id)
        dimensions = [{"Name": "SourceBucket", "Value": source.bucket_name},
                      {"Name": "DestinationBucket", "Value": into.bucket_name},
                      {"Name": "RuleId", "Value": rule}]
        for region, metric, statistic, value, period in (
                (into.region, "OperationsPendingReplication", "Maximum", pending, 60),
                (source.region, "OperationsFailedReplication", "Sum", failed, 3600)):
            points = [] if value is None else [{"Timestamp": datetime.now(UTC), statistic: value,
                                                "Unit": "Count"}]
            self.stub("cloudwatch", region).add_response(
                "get_metric_statistics", {"Label": metric, "Datapoints": points},
                {"Namespace": "AWS/S3", "MetricName": metric, "Dimensions": dimensions,
                 "StartTime": ANY, "EndTime": ANY, "Period": period, "Statistics": [statistic]})

    # --- Route 53 and Global Accelerator ---
    def health(self, role: str, healthy: bool = True) -> None:
        report = ("Success: HTTP Status Code 200, OK" if healthy
                  else "Failure: Connection timed out.")
        observations = [{"Region": region, "IPAddress": f"15.177.{i}.10", "StatusReport": {
            "Status": report, "CheckedTime": datetime.now(UTC)}}
            for i, region in enumerate(("us-east-1", "us-west-1", "us-west-2", "eu-west-1",
                                        "ap-southeast-1", "ap-southeast-2", "ap-northeast-1",
                                        "sa-east-1"))]
        self.stub("route53", ROUTE53_API_REGION).add_response(
            "get_health_check_status", {"HealthCheckObservations": observations},
            {"HealthCheckId": self.side(role).health_check_id})

    def group(self, role: str, dial: float, state: str = "HEALTHY") -> None:
        side = self.side(role)
        self.stub("globalaccelerator", GA_API_REGION).add_response(
            "describe_endpoint_group", {"EndpointGroup": {
                "EndpointGroupArn": side.endpoint_group_arn, "EndpointGroupRegion": side.region,
                "TrafficDialPercentage": dial, "EndpointDescriptions": [{
                    "EndpointId": f"arn:aws:elasticloadbalancing:{side.region}:123456789012:"
                                  "loadbalancer/net/dr-nlb/0123456789abcdef",
                    "HealthState": state}]}},
            {"EndpointGroupArn": side.endpoint_group_arn})

    def set_dial(self, role: str, dial: float) -> None:
        side = self.side(role)
        self.stub("globalaccelerator", GA_API_REGION).add_response(
            "update_endpoint_group", {"EndpointGroup": {"EndpointGroupArn": side.endpoint_group_arn}},
            {"EndpointGroupArn": side.endpoint_group_arn, "TrafficDialPercentage": dial})

    def accelerator(self, status: str = "DEPLOYED") -> None:
        self.stub("globalaccelerator", GA_API_REGION).add_response(
            "describe_accelerator", {"Accelerator": {
                "AcceleratorArn": self.topology.accelerator_arn, "Name": "dr-dev", "Status": status,
                "Enabled": True, "IpAddressType": "IPV4"}},
            {"AcceleratorArn": self.topology.accelerator_arn})

    def fail(self, service: str, region: str, operation: str, code: str = "ThrottlingException") -> None:
        self.stub(service, region).add_client_error(operation, service_error_code=code,
                                                    service_message="Rate exceeded")

    # --- moto-backed state ---
    def active_region(self, region: str, *where: str) -> None:
        for place in where or (PRIMARY, SECONDARY):
            self.clients.ssm(place).put_parameter(
                Name=self.topology.active_region_parameter_name, Value=region, Type="String",
                Overwrite=True)

    def active_region_in(self, region: str) -> str:
        answer = self.clients.ssm(region).get_parameter(Name=self.topology.active_region_parameter_name)
        return str(answer["Parameter"]["Value"])

    def fences(self, value: str = "true") -> None:
        """The data layer creates `writes-enabled` "true" in both regions."""
        for side in self.topology.regions:
            self.clients.ssm(side.region).put_parameter(
                Name=self.topology.writes_enabled_parameter_name, Value=value, Type="String", Overwrite=True)

    def tables(self) -> None:
        """The data layer's global table: a replica in each region (replicated: tests/outage.py)."""
        for side in self.topology.regions:
            self.clients.dynamodb(side.region).create_table(
                TableName=self.topology.table_name, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])

    def record_authority(self, active: str, generation: int, where: str = SECONDARY) -> None:
        """What a move wrote: the record in `where`'s replica (replicated to the other)."""
        authority.record_module.write(self.clients.dynamodb(where), self.topology.table_name,
                                      authority.Authority(active, generation, written_by="test"))

    def authority_in(self, region: str) -> Any:
        """The authority record in `region`'s replica (handlers/authority.py)."""
        return authority.read_in(self.clients, self.topology, region)

    def fence_in(self, region: str) -> str:
        name = self.topology.writes_enabled_parameter_name
        return str(self.clients.ssm(region).get_parameter(Name=name)["Parameter"]["Value"])

    def verify_all_used(self) -> None:
        for stubber in self.stubs.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield deployed(monkeypatch, planned_topology())


def deployed(monkeypatch: pytest.MonkeyPatch, topology: DrTopology) -> Aws:
    """The account as a deploy leaves it (inside mock_aws): the global table's replicas with no
    authority record yet (generation 0, the deployed primary writes: handlers/authority.py), the
    active-region flag naming the primary and writes enabled in both regions."""
    emulated = Aws(topology)
    # The authority record replicates as DynamoDB would; the heartbeat tests replicate their
    # beats themselves, beat by beat, to model what never arrived.
    emulated.replication = replicate_table(monkeypatch, topology.table_name,
                                           (PRIMARY, SECONDARY), keys=("dr#authority",))
    emulated.tables()
    emulated.active_region(PRIMARY)
    emulated.fences()
    return emulated


@pytest.fixture
def printed() -> list[str]:
    return []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def engine(aws: Aws, tmp_path: Any, printed: list[str], clock: FakeClock) -> Failover:
    return Failover(aws.topology, aws.clients, store=StateStore(tmp_path / "runs"),
                    waiter=Waiter(clock=clock, sleep=clock.sleep, echo=printed.append, interval=5),
                    echo=printed.append, prober=aws.entries)


@pytest.fixture
def stores(aws: Aws) -> None:
    """The data layer's table replicas and buckets, with replication (RTC) on the primary's."""
    topology = aws.topology
    for side in topology.regions:  # the table's replicas: the aws fixture made them
        s3 = aws.clients.s3(side.region)
        location = {} if side.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": side.region}}
        s3.create_bucket(Bucket=side.bucket_name, **location)
        s3.put_bucket_versioning(Bucket=side.bucket_name, VersioningConfiguration={"Status": "Enabled"})
    source = aws.clients.s3(PRIMARY)
    source.put_bucket_replication(Bucket=topology.primary.bucket_name, ReplicationConfiguration={
        "Role": "arn:aws:iam::123456789012:role/replication", "Rules": [{
            "ID": topology.replication_rule_id, "Status": "Enabled", "Priority": 1, "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": f"arn:aws:s3:::{topology.secondary.bucket_name}",
                            "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                            "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}}}]})
