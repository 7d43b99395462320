"""A drill of a pilot light names the strategy and measures the time spent bringing the
secondary up: the failover's bring-up step, before the switchover, in the report."""

from __future__ import annotations

import json
from dataclasses import replace

from botocore.stub import ANY

from shared.ops.drills.drill import run_drill
from shared.ops.engines.bring_up import INSTANCE_SUFFIX
from tests.ops.conftest import SECONDARY, Aws
from tests.ops.test_drill import queue_whole_drill


def described(aws: Aws, role: str, members: list[str]) -> None:
    side = aws.side(role)
    aws.stub("rds", side.region).add_response("describe_db_clusters", {"DBClusters": [{
        "DBClusterIdentifier": side.cluster_id, "Status": "available",
        "DBClusterMembers": [{"DBInstanceIdentifier": m} for m in members],
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 1.0}}]},
        {"DBClusterIdentifier": side.cluster_id})


def available(aws: Aws, role: str, instance: str) -> None:
    side = aws.side(role)
    aws.stub("rds", side.region).add_response("describe_db_instances", {"DBInstances": [
        {"DBInstanceIdentifier": instance, "DBInstanceStatus": "available"}]},
        {"Filters": [{"Name": "db-cluster-id", "Values": [side.cluster_id]}]})


def test_a_pilot_light_drill_reports_the_strategy_and_the_bring_up_time(aws, engine, tmp_path, printed):
    aws.topology = engine.topology = replace(aws.topology, strategy="pilot-light", serving_min_acu=0.5)
    new = f"{aws.side('secondary').cluster_id}{INSTANCE_SUFFIX}"

    def bring_up(role: str) -> None:
        if role == "primary":  # failback: the primary kept its instance
            described(aws, "primary", ["dr-aurora-dev-use1-1"])
            available(aws, "primary", "dr-aurora-dev-use1-1")
            return
        described(aws, "secondary", [])  # headless
        described(aws, "secondary", [])
        aws.stub("rds", SECONDARY).add_response("create_db_instance", {"DBInstance": {}}, {
            "DBInstanceIdentifier": new, "DBClusterIdentifier": aws.side("secondary").cluster_id,
            "DBInstanceClass": "db.serverless", "Engine": "aurora-postgresql", "PubliclyAccessible": False,
            "AutoMinorVersionUpgrade": False, "Tags": ANY})
        described(aws, "secondary", [new])
        available(aws, "secondary", new)

    queue_whole_drill(aws, bring_up)

    report = run_drill(aws.topology, aws.clients, engine, yes=False, echo=printed.append,
                       report_dir=tmp_path / "reports")

    aws.verify_all_used()
    assert report.outcome == "passed"
    data = json.loads(next((tmp_path / "reports").glob("drill-*.json")).read_text())
    bring_up = next(s for s in data["failover"]["steps"] if s["name"] == "bring-up")
    assert data["strategy"] == "pilot-light"
    assert data["bring_up_seconds"] == bring_up["seconds"] > 0
    assert [s["name"] for s in data["failback"]["steps"]][:2] == ["preflight", "bring-up"]
    assert next(s for s in data["failback"]["steps"] if s["name"] == "bring-up")["outcome"] == "already done"
    # Failback leaves the primary at its own size and the secondary up (no DeleteDBInstance was
    # asked: every RDS call is queued), and says how to stand by headless again.
    assert [n for n in data["failback"]["notes"] if "pilot-light" in n] == [
        f"dr:strategy pilot-light: {aws.side('secondary').cluster_id} keeps the instance the failover gave "
        f"it ({new}), billed as compute; to stand by headless again: aws rds delete-db-instance "
        f"--region {SECONDARY} --db-instance-identifier {new}"]
    assert not any("pilot-light" in n for n in data["failover"]["notes"])
    text = next((tmp_path / "reports").glob("drill-*.md")).read_text()
    assert (f"- DR strategy: pilot-light; bringing the secondary up took **{bring_up['seconds']:.1f} s** "
            "of the recovery time") in text


def test_a_hot_standby_drill_says_nothing_was_brought_up(aws, engine, tmp_path, printed):
    queue_whole_drill(aws)
    run_drill(aws.topology, aws.clients, engine, yes=False, echo=printed.append,
              report_dir=tmp_path / "reports")
    data = json.loads(next((tmp_path / "reports").glob("drill-*.json")).read_text())
    assert (data["strategy"], data["bring_up_seconds"]) == ("hot-standby", None)
    assert "- DR strategy: hot-standby; no bring-up step ran" in \
        next((tmp_path / "reports").glob("drill-*.md")).read_text()
