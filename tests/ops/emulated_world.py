"""What moto lacks, held as state and answered through botocore's Stubber (`Answering`, every
request and answer checked against the model): Aurora's global cluster (who writes, switchover
and failover move it), Global Accelerator's dials, Route 53's checker, CloudWatch's RPO lag and S3's
replication metrics.

Unlike queued answers, these follow what the code (and the emulated plan) did: a dial set is the
dial read next, a failover makes the target the writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3

from shared.ops.aws.clients import GA_API_REGION, ROUTE53_API_REGION
from shared.ops.aws.topology import DrTopology
from shared.strategy import PILOT_LIGHT
from tests.ops.arc_emulation import Answering, Refusal


@dataclass
class World:
    topology: DrTopology
    writer: str = "primary"  # the role whose cluster writes
    dials: dict[str, float] = field(default_factory=dict)  # endpoint group ARN -> dial
    versions: dict[str, str] = field(default_factory=dict)  # role -> engine version
    sync: str = "connected"  # the secondary member's SynchronizationStatus
    resync_reads: int = 0  # how many more global cluster reads see the secondary pending-resync
    lag_ms: float = 700.0
    objects_pending: float = 0.0  # S3's OperationsPendingReplication; none ever failed
    # role -> its cluster's instances (identifier -> status; a pilot light's secondary is deployed
    # headless), and its Serverless v2 minimum
    instances: dict[str, dict[str, str]] = field(default_factory=dict)
    creating_reads: int = 2  # reads of a created instance that still see it `creating`
    min_acu: dict[str, float] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (region, operation, params)
    # the target's available instances at each promotion, and the roles promoted with none
    promoted_with: list[list[str]] = field(default_factory=list)
    promoted_headless: list[str] = field(default_factory=list)

    def install(self, clients: Any) -> None:
        for side in self.topology.regions:
            self.dials.setdefault(side.endpoint_group_arn, side.deployed_dial)
            self.versions.setdefault(side.role, "16.4")
            headless = side.role == "secondary" and self.topology.strategy == PILOT_LIGHT
            self.instances.setdefault(side.role, {} if headless else {f"{side.cluster_id}-1": "available"})
            self.min_acu.setdefault(side.role, 0.5)
            for service in ("rds", "cloudwatch"):
                self._serve(clients, service, side.region)
        self._serve(clients, "globalaccelerator", GA_API_REGION)
        self._serve(clients, "route53", ROUTE53_API_REGION)

    def _serve(self, clients: Any, service: str, region: str) -> None:
        client = boto3.client(service, region_name=region)
        Answering(client, lambda operation, params: self._answer(region, operation, params)).activate()
        clients.use(service, region, client)

    def dial(self, role: str) -> float:
        return self.dials[self.topology.role(role).endpoint_group_arn]

    def _instance_answer(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """A cluster's instances (a created one is `creating` for a few reads) and its Serverless v2
        minimum."""
        cluster_id = (params.get("DBClusterIdentifier")
                      or next(iter(f["Values"][0] for f in params.get("Filters", []))))
        [side] = [s for s in self.topology.regions if s.cluster_id == cluster_id]
        statuses = self.instances[side.role]
        if operation == "CreateDBInstance":
            statuses[params["DBInstanceIdentifier"]] = "creating"
            return {"DBInstance": {"DBInstanceIdentifier": params["DBInstanceIdentifier"],
                                   "DBInstanceStatus": "creating"}}
        if operation == "ModifyDBCluster":
            self.min_acu[side.role] = float(params["ServerlessV2ScalingConfiguration"]["MinCapacity"])
            return {"DBCluster": {"DBClusterIdentifier": cluster_id}}
        for name, status in statuses.items():  # Aurora makes a new instance available in time
            if status == "creating":
                self.creating_reads -= 1
                statuses[name] = "creating" if self.creating_reads >= 0 else "available"
        return {"DBInstances": [{"DBInstanceIdentifier": n, "DBInstanceStatus": st}
                                for n, st in statuses.items()]}

    def _answer(self, region: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((region, operation, params))
        side = {s.cluster_arn: s for s in self.topology.regions}
        if operation == "DescribeGlobalClusters":
            sync = "pending-resync" if self.resync_reads > 0 else self.sync
            self.resync_reads -= 1
            members = [{"DBClusterArn": s.cluster_arn, "IsWriter": s.role == self.writer, "Readers": [],
                        **({} if s.role == self.writer else {"SynchronizationStatus": sync})}
                       for s in self.topology.regions]
            return {"GlobalClusters": [{
                "GlobalClusterIdentifier": self.topology.global_cluster_id, "Status": "available",
                "Engine": "aurora-postgresql", "EngineVersion": self.versions["primary"],
                "GlobalClusterMembers": members}]}
        if operation == "DescribeDBClusters":
            [found] = [s for s in self.topology.regions if s.cluster_id == params["DBClusterIdentifier"]]
            return {"DBClusters": [{
                "DBClusterIdentifier": found.cluster_id, "DBClusterArn": found.cluster_arn,
                "Status": "available", "Engine": "aurora-postgresql",
                "EngineVersion": self.versions[found.role], "BackupRetentionPeriod": 7,
                "DBClusterMembers": [{"DBInstanceIdentifier": i, "IsClusterWriter": found.role == self.writer}
                                     for i in self.instances[found.role]],
                "ServerlessV2ScalingConfiguration": {"MinCapacity": self.min_acu[found.role],
                                                     "MaxCapacity": 16.0}}]}
        if operation in ("CreateDBInstance", "DescribeDBInstances", "ModifyDBCluster"):
            return self._instance_answer(operation, params)
        if operation in ("SwitchoverGlobalCluster", "FailoverGlobalCluster"):
            target = side[params["TargetDbClusterIdentifier"]]
            ready = [n for n, st in self.instances[target.role].items() if st == "available"]
            self.promoted_with.append(ready)
            if not ready:
                self.promoted_headless.append(target.role)  # nothing there could take the writes
            if operation == "SwitchoverGlobalCluster" and len(set(self.versions.values())) != 1:
                raise Refusal("InvalidGlobalClusterStateFault", "engine versions differ")
            self.writer = target.role
            return {"GlobalCluster": {"Status": "available"}}
        if operation == "DescribeDBClusterSnapshots":
            return {"DBClusterSnapshots": []}
        if operation == "DescribeEndpointGroup":
            arn = params["EndpointGroupArn"]
            group_side = next(s for s in self.topology.regions if s.endpoint_group_arn == arn)
            return {"EndpointGroup": {
                "EndpointGroupArn": arn, "EndpointGroupRegion": group_side.region,
                "TrafficDialPercentage": self.dials[arn],
                "EndpointDescriptions": [{"EndpointId": f"nlb-{group_side.region}",
                                          "HealthState": "HEALTHY"}]}}
        if operation == "UpdateEndpointGroup":
            self.dials[params["EndpointGroupArn"]] = float(params["TrafficDialPercentage"])
            return {"EndpointGroup": {"EndpointGroupArn": params["EndpointGroupArn"]}}
        if operation == "DescribeAccelerator":
            return {"Accelerator": {"AcceleratorArn": params["AcceleratorArn"], "Name": "dr",
                                    "Status": "DEPLOYED", "Enabled": True, "IpAddressType": "IPV4"}}
        if operation == "GetHealthCheckStatus":
            return {"HealthCheckObservations": [{
                "Region": "us-west-2", "IPAddress": "15.177.0.10", "StatusReport": {
                    "Status": "Success: HTTP Status Code 200, OK", "CheckedTime": datetime.now(UTC)}}]}
        if operation == "GetMetricStatistics" and params["Namespace"] == "AWS/S3":
            points = [{"Timestamp": datetime.now(UTC), "Maximum": self.objects_pending, "Unit": "Count"}]
            return {"Label": params["MetricName"],
                    "Datapoints": points if params["MetricName"] == "OperationsPendingReplication" else []}
        if operation == "GetMetricStatistics":
            return {"Label": params["MetricName"], "Datapoints": [
                {"Timestamp": datetime.now(UTC), "Maximum": self.lag_ms, "Unit": "Milliseconds"}]}
        raise AssertionError(f"the emulated world does not answer {operation} in {region}")
