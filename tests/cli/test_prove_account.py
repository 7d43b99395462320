"""invoke prove's account prerequisites, read before anything is deployed: the Lambda concurrency
quota and AWS Backup's advanced DynamoDB features in both regions, one line each. botocore's
Stubber answers as Lambda's GetAccountSettings and Backup's DescribeRegionSettings would."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from invoke import Context
from invoke.exceptions import Exit

import shared.cli.proof
from shared.cli.common import EXIT_USAGE
from shared.cli.proof import prove
from shared.proof.account import Finding, account_findings, reserved_by_region
from tests.support import plan_of

REGIONS = ("us-east-1", "us-east-2")


class StubbedClients:
    """AwsClients' `client(service, region)`, each a real botocore client behind a Stubber."""

    def __init__(self) -> None:
        self.stubs: dict[tuple[str, str], Stubber] = {}
        self.made: dict[tuple[str, str], object] = {}

    def client(self, service: str, region: str) -> object:
        key = (service, region)
        if key not in self.made:
            self.made[key] = boto3.client(service, region_name=region, aws_access_key_id="testing",
                                          aws_secret_access_key="testing")
            self.stubs[key] = Stubber(self.made[key])
            self.stubs[key].activate()
        return self.made[key]

    def stub(self, service: str, region: str) -> Stubber:
        self.client(service, region)
        return self.stubs[(service, region)]


def _account(quota: dict[str, int], dynamodb: dict[str, bool]) -> StubbedClients:
    clients = StubbedClients()
    for region in REGIONS:
        clients.stub("lambda", region).add_response("get_account_settings", {
            "AccountLimit": {"ConcurrentExecutions": quota[region], "UnreservedConcurrentExecutions": 0}})
        clients.stub("backup", region).add_response("describe_region_settings", {
            "ResourceTypeManagementPreference": {"DynamoDB": dynamodb[region], "EFS": True},
            "ResourceTypeOptInPreference": {"DynamoDB": True}})
    return clients


def test_the_plan_reserves_the_health_functions_concurrency_in_each_region():
    resources = [r for run in plan_of("dev").runs for r in run.resources]
    assert reserved_by_region(resources) == {"us-east-1": 10, "us-east-2": 10}  # dr:healthReservedConcurrency


def test_a_ready_account_is_one_ok_line_per_check_and_region():
    clients = _account({"us-east-1": 1000, "us-east-2": 110}, {"us-east-1": True, "us-east-2": True})
    findings = account_findings(clients, REGIONS, {"us-east-1": 10, "us-east-2": 10})
    assert findings == [
        Finding(True, "ok: the Lambda concurrent executions quota in us-east-1 is 1000 (needs 110)"),
        Finding(True, "ok: AWS Backup's advanced DynamoDB features are on in us-east-1"),
        Finding(True, "ok: the Lambda concurrent executions quota in us-east-2 is 110 (needs 110)"),
        Finding(True, "ok: AWS Backup's advanced DynamoDB features are on in us-east-2"),
    ]
    for stub in clients.stubs.values():
        stub.assert_no_pending_responses()


def test_a_new_accounts_low_quota_and_backup_opt_out_are_named_with_the_fix():
    clients = _account({"us-east-1": 10, "us-east-2": 1000}, {"us-east-1": True, "us-east-2": False})
    missing = [f.line for f in account_findings(clients, REGIONS, {"us-east-1": 10, "us-east-2": 10})
               if not f.ok]
    assert missing == [
        "missing: the Lambda concurrent executions quota in us-east-1 is 10, needs 110 (10 reserved + 100): "
        "request an increase in Service Quotas",
        "missing: AWS Backup's advanced DynamoDB features are off in us-east-2: turn them on in the Backup "
        "console's Settings (or aws backup update-region-settings --resource-type-management-preference "
        "DynamoDB=true)",
    ]


def test_a_check_aws_refuses_is_a_finding_not_a_traceback():
    clients = StubbedClients()
    for region in REGIONS:
        clients.stub("lambda", region).add_client_error("get_account_settings", "AccessDeniedException",
                                                        "not authorized to perform lambda:GetAccountSettings")
        clients.stub("backup", region).add_response("describe_region_settings", {
            "ResourceTypeManagementPreference": {"DynamoDB": True}})
    findings = account_findings(clients, REGIONS, {})
    assert [f.ok for f in findings] == [False, True, False, True]
    assert findings[0].line.startswith("unknown: Lambda's account settings in us-east-1 are unreadable: ")
    assert "AccessDeniedException" in findings[0].line and "\n" not in findings[0].line


def test_prove_stops_before_deploying_when_a_prerequisite_is_missing(monkeypatch, capsys):
    clients = _account({"us-east-1": 10, "us-east-2": 1000}, {"us-east-1": True, "us-east-2": True})
    monkeypatch.setattr(shared.cli.proof, "aws_clients", lambda: clients)
    monkeypatch.setattr(shared.cli.proof, "STEPS", lambda env: pytest.fail("a step ran"))
    with pytest.raises(Exit) as stopped:
        prove(Context(), env="dev", yes=True)
    assert stopped.value.code == EXIT_USAGE
    assert stopped.value.message == ("error: the account lacks 1 prerequisite(s) listed above "
                                     "(docs/sandbox-proof.md); nothing was deployed")
    assert "missing: the Lambda concurrent executions quota in us-east-1 is 10" in capsys.readouterr().out
