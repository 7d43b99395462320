"""BackupFailureEvents: failed AWS Backup jobs and cross-region copies, sent to the alert topic."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.naming import physical_name

# Terminal states that leave a resource without its recovery point (AWS Backup API).
_FAILED_BACKUP_STATES = ["FAILED", "ABORTED", "EXPIRED"]


_RULES = {"backup-job-failed": "backup jobs into this region's vault failed",
          "backup-copy-failed": "copies out of this region's vault failed"}


def backup_rule_names(environment: str, region: str) -> list[str]:
    """The EventBridge rule names, known before the rules exist so the topic policy can
    admit exactly them."""
    return [physical_name(kind, environment, region) for kind in _RULES]


def backup_failure_patterns(vault_name: str, vault_arn: str) -> dict[str, dict[str, object]]:
    """Event patterns by rule kind; the matched fields are those of AWS Backup's documented
    "Backup Job State Change" and "Copy Job State Change" events."""
    return {
        "backup-job-failed": {
            "source": ["aws.backup"], "detail-type": ["Backup Job State Change"],
            "detail": {"backupVaultName": [vault_name], "state": _FAILED_BACKUP_STATES}},
        "backup-copy-failed": {
            "source": ["aws.backup"], "detail-type": ["Copy Job State Change"],
            "detail": {"sourceBackupVaultArn": [vault_arn], "state": ["FAILED"]}},
    }


@dataclass
class BackupFailureEventsArgs:
    environment: str
    region: str
    vault_name: pulumi.Input[str]
    vault_arn: pulumi.Input[str]
    topic_arn: pulumi.Input[str]
    tags: dict[str, str] = field(default_factory=dict)


class BackupFailureEvents(pulumi.ComponentResource):
    """Owns two EventBridge rules on the region's default bus, each targeting the region's
    alert topic: backup jobs into this region's vault that fail, and copy jobs out of it
    (the cross-region copies) that fail.

    Events rather than the AWS/Backup metrics: each event names the job, the resource and
    AWS's reason, and the event documentation pins the fields we match on, whereas the
    metrics' BackupVaultName dimension is not documented as the source or the destination
    vault for copy jobs, which is exactly where a wrong guess gives an alarm that never
    fires. Copy-job events are emitted in the region the copy starts from."""

    def __init__(self, name: str, args: BackupFailureEventsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:monitoring:BackupFailureEvents", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        patterns = pulumi.Output.all(args.vault_name, args.vault_arn).apply(
            lambda vault: backup_failure_patterns(vault[0], vault[1]))
        self.rule_names = backup_rule_names(args.environment, args.region)
        for (kind, description), rule_name in zip(_RULES.items(), self.rule_names, strict=True):
            rule = aws.cloudwatch.EventRule(
                f"{name}-{kind}", name=rule_name, description=f"AWS Backup: {description}",
                event_pattern=patterns.apply(_pattern_json(kind)), region=args.region,
                tags={**args.tags, "Name": rule_name}, opts=child)
            aws.cloudwatch.EventTarget(f"{name}-{kind}-to-sns", rule=rule.name,
                                       arn=args.topic_arn, region=args.region, opts=child)
        self.register_outputs({"rule_names": self.rule_names})



def _pattern_json(kind: str) -> Callable[[dict[str, dict[str, object]]], str]:
    return lambda patterns: json.dumps(patterns[kind])
