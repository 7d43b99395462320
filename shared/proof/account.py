"""The account prerequisites `invoke prove` checks with one cheap read each before deploying
(docs/sandbox-proof.md, "0. Prerequisites"): a finding per check and region, one line each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import AWS_ERRORS, one_line

# Lambda refuses reserved concurrency that leaves fewer than 100 unreserved executions in the
# account and region, so the quota must cover what the plan reserves plus 100:
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
UNRESERVED_MINIMUM = 100


@dataclass(frozen=True)
class Finding:
    ok: bool
    line: str


def reserved_by_region(resources: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The concurrency the plan's functions reserve, per region."""
    reserved: dict[str, int] = {}
    for resource in resources:
        if resource["type"] == "aws:lambda/function:Function":
            count = int(resource["inputs"].get("reservedConcurrentExecutions") or 0)
            reserved[resource["region"]] = reserved.get(resource["region"], 0) + count
    return reserved


def lambda_quota(lambda_client: Any, region: str, reserved: int) -> Finding:
    """GetAccountSettings' AccountLimit.ConcurrentExecutions is the region's quota
    https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html"""
    quota = int(lambda_client.get_account_settings()["AccountLimit"]["ConcurrentExecutions"])
    needed = reserved + UNRESERVED_MINIMUM
    if quota >= needed:
        return Finding(True, f"ok: the Lambda concurrent executions quota in {region} is {quota} "
                             f"(needs {needed})")
    return Finding(False, f"missing: the Lambda concurrent executions quota in {region} is {quota}, needs "
                          f"{needed} ({reserved} reserved + {UNRESERVED_MINIMUM}): request an increase in "
                          "Service Quotas")


def backup_dynamodb(backup_client: Any, region: str) -> Finding:
    """DescribeRegionSettings' ResourceTypeManagementPreference["DynamoDB"] is true once Backup's
    advanced DynamoDB features are on, which cross-region copies of DynamoDB need
    https://docs.aws.amazon.com/aws-backup/latest/devguide/API_DescribeRegionSettings.html
    https://docs.aws.amazon.com/aws-backup/latest/devguide/advanced-ddb-backup.html"""
    settings = backup_client.describe_region_settings()
    if (settings.get("ResourceTypeManagementPreference") or {}).get("DynamoDB"):
        return Finding(True, f"ok: AWS Backup's advanced DynamoDB features are on in {region}")
    return Finding(False, f"missing: AWS Backup's advanced DynamoDB features are off in {region}: turn "
                          "them on in the Backup console's Settings (or aws backup update-region-settings "
                          "--resource-type-management-preference DynamoDB=true)")


def account_findings(clients: AwsClients, regions: Iterable[str],
                     reserved: Mapping[str, int]) -> list[Finding]:
    """Every check in every DR region; a check AWS does not answer is a finding too."""
    findings = []
    for region in regions:
        try:
            findings.append(lambda_quota(clients.client("lambda", region), region, reserved.get(region, 0)))
        except AWS_ERRORS as error:
            findings.append(Finding(False, f"unknown: Lambda's account settings in {region} are unreadable: "
                                           f"{one_line(error)}"))
        try:
            findings.append(backup_dynamodb(clients.client("backup", region), region))
        except AWS_ERRORS as error:
            findings.append(Finding(False, f"unknown: AWS Backup's region settings in {region} are "
                                           f"unreadable: {one_line(error)}"))
    return findings
