"""The backup-failure event patterns, run through EventBridge (moto): each rule is put on the
default bus with a queue as its target, AWS Backup's documented events are sent, and what
reaches the queue is what would reach the alert topic. A misspelled field would leave
failures unreported."""

import json

import boto3
import pytest
from moto import mock_aws

from shared.components.backup_events import backup_failure_patterns, backup_rule_names

VAULT = "dr-vault-dev-use1"
VAULT_ARN = f"arn:aws:backup:us-east-1:123456789012:backup-vault:{VAULT}"
OTHER_VAULT_ARN = "arn:aws:backup:us-east-1:123456789012:backup-vault:someone-elses"


def backup_job_event(state: str, vault: str = VAULT) -> dict:
    # Shape of AWS Backup's documented "Backup Job State Change" example.
    return {"version": "0", "id": "710b0d6a-0a38-4b5f-ae8e-5e4d4ba2a1b6",
            "detail-type": "Backup Job State Change", "source": "aws.backup",
            "account": "123456789012", "time": "2020-07-29T20:15:26Z", "region": "us-east-1",
            "resources": [], "detail": {"backupJobId": "B1", "backupVaultName": vault,
                                        "backupVaultArn": VAULT_ARN, "state": state,
                                        "statusMessage": "reason", "resourceType": "Aurora"}}


def copy_job_event(state: str, source_vault_arn: str = VAULT_ARN) -> dict:
    # Shape of AWS Backup's documented "Copy Job State Change" example.
    return {"version": "0", "id": "4660bc92-a44d-c939-4542-cda503f14855",
            "detail-type": "Copy Job State Change", "source": "aws.backup",
            "account": "123456789012", "time": "2020-07-15T20:37:34Z", "region": "us-east-1",
            "resources": [], "detail": {
                "copyJobId": "47C8EF56", "sourceBackupVaultArn": source_vault_arn,
                "destinationBackupVaultArn": VAULT_ARN.replace("us-east-1", "us-east-2"),
                "state": state, "statusMessage": "Access denied", "resourceType": "Aurora"}}


@pytest.fixture
def matches():
    patterns = backup_failure_patterns(VAULT, VAULT_ARN)
    with mock_aws():
        events = boto3.client("events", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")

        def match(kind: str, event: dict) -> bool:
            queue = sqs.create_queue(QueueName=f"q-{len(sqs.list_queues().get('QueueUrls', []))}")
            arn = sqs.get_queue_attributes(QueueUrl=queue["QueueUrl"], AttributeNames=["QueueArn"])
            rule = f"rule-{kind}-{arn['Attributes']['QueueArn'][-3:]}"
            events.put_rule(Name=rule, EventPattern=json.dumps(patterns[kind]))
            events.put_targets(Rule=rule, Targets=[
                {"Id": "queue", "Arn": arn["Attributes"]["QueueArn"]}])
            events.put_events(Entries=[{
                "Source": event["source"], "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]), "Resources": event["resources"]}])
            received = sqs.receive_message(QueueUrl=queue["QueueUrl"]).get("Messages", [])
            events.remove_targets(Rule=rule, Ids=["queue"])
            events.delete_rule(Name=rule)
            return bool(received)

        yield match


@pytest.mark.parametrize("state", ["FAILED", "ABORTED", "EXPIRED"])
def test_failed_backup_jobs_into_our_vault_are_reported(matches, state):
    assert matches("backup-job-failed", backup_job_event(state))


def test_successful_backups_and_other_vaults_stay_quiet(matches):
    assert not matches("backup-job-failed", backup_job_event("COMPLETED"))
    assert not matches("backup-job-failed", backup_job_event("FAILED", vault="someone-elses"))


def test_failed_copies_out_of_our_vault_are_reported_and_nothing_else(matches):
    assert matches("backup-copy-failed", copy_job_event("FAILED"))
    assert not matches("backup-copy-failed", copy_job_event("COMPLETED"))
    assert not matches("backup-copy-failed", copy_job_event("FAILED", OTHER_VAULT_ARN))
    assert not matches("backup-copy-failed", backup_job_event("FAILED"))


def test_rule_names_are_per_environment_and_region():
    names = backup_rule_names("dev", "us-east-1")
    assert names == ["dr-backup-job-failed-dev-use1", "dr-backup-copy-failed-dev-use1"]
    assert not set(names) & set(backup_rule_names("prod", "us-east-1"))
