"""RegionalAlerts: one region's alert topic, encrypted with a key of its own."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.naming import physical_name

# What a key administrator may do; the key itself never needs `kms:*`.
_KEY_ADMIN_ACTIONS = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
]
# SNS encrypts each message with a data key generated under the topic's key on behalf of
# the publisher, so every publisher needs these two (SNS developer guide, "Enable
# compatibility between event sources from AWS services and encrypted topics").
_PUBLISH_KEY_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]
_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com"]


@dataclass
class RegionalAlertsArgs:
    environment: str
    region: str
    account_id: pulumi.Input[str]
    alert_email: str | None = None
    # EventBridge rules (names, in this region) allowed to publish besides CloudWatch alarms.
    event_rule_names: list[str] = field(default_factory=list)
    protect: bool = False
    tags: dict[str, str] = field(default_factory=dict)


class RegionalAlerts(pulumi.ComponentResource):
    """Owns a region's alert SNS topic, the customer-managed KMS key that encrypts it (with
    a policy letting CloudWatch alarms and EventBridge use it), the topic policy letting this
    account's alarms and the named EventBridge rules publish, and the e-mail subscription
    when an address is configured. Exposes `topic_arn`."""

    def __init__(self, name: str, args: RegionalAlertsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:monitoring:RegionalAlerts", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        region, topic_name = args.region, physical_name("alerts", args.environment, args.region)
        tags = {**args.tags, "Name": topic_name}

        # A key of our own rather than the data layer's: granting the CloudWatch and
        # EventBridge service principals on the keys that protect the databases and buckets
        # would widen who can use them, and this key can be replaced with the monitoring
        # layer without touching data. The AWS-managed alias/aws/sns cannot be used at all:
        # its policy cannot be edited to admit CloudWatch.
        self.key = aws.kms.Key(
            f"{name}-key", description=f"Encrypts the {topic_name} SNS topic",
            enable_key_rotation=True, deletion_window_in_days=30 if args.protect else 7,
            policy=pulumi.Output.from_input(args.account_id).apply(
                lambda account: json.dumps(_key_policy(account, region))),
            region=region, tags=tags, opts=child)
        aws.kms.Alias(f"{name}-key-alias", name=f"alias/{topic_name}", target_key_id=self.key.id,
                      region=region, opts=child)
        self.topic = aws.sns.Topic(f"{name}-topic", name=topic_name,
                                   kms_master_key_id=self.key.arn, region=region, tags=tags,
                                   opts=child)
        aws.sns.TopicPolicy(
            f"{name}-topic-policy", arn=self.topic.arn, region=region,
            policy=pulumi.Output.all(self.topic.arn, args.account_id).apply(
                lambda values: json.dumps(
                    _topic_policy(values[0], values[1], region, args.event_rule_names))),
            opts=child)
        if args.alert_email:
            # Stays "pending confirmation" until the recipient follows the link AWS mails.
            aws.sns.TopicSubscription(f"{name}-email", topic=self.topic.arn, protocol="email",
                                      endpoint=args.alert_email, region=region, opts=child)
        self.topic_arn = self.topic.arn
        self.register_outputs({"topic_arn": self.topic.arn, "key_arn": self.key.arn})


def _key_policy(account: str, region: str) -> dict[str, object]:
    root = f"arn:aws:iam::{account}:root"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "KeyAdministration", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": _KEY_ADMIN_ACTIONS, "Resource": "*"},
            # People and tools of this account publishing test messages, through SNS only.
            {"Sid": "PublishThroughSns", "Effect": "Allow", "Principal": {"AWS": root},
             "Action": _PUBLISH_KEY_ACTIONS, "Resource": "*",
             "Condition": {"StringEquals": {"kms:ViaService": f"sns.{region}.amazonaws.com",
                                            "kms:CallerAccount": account}}},
            {"Sid": "AlarmAndEventPublishers", "Effect": "Allow",
             "Principal": {"Service": _PUBLISHERS}, "Action": _PUBLISH_KEY_ACTIONS,
             "Resource": "*"},
        ],
    }


def _topic_policy(topic_arn: str, account: str, region: str,
                  rule_names: list[str]) -> dict[str, object]:
    statements: list[dict[str, object]] = [{
        "Sid": "CloudWatchAlarms", "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
        "Resource": topic_arn,
        # Only this account's alarms in this region (metric and composite alike).
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:cloudwatch:{region}:{account}:alarm:*"},
                      "StringEquals": {"aws:SourceAccount": account}},
    }]
    if rule_names:
        statements.append({
            "Sid": "EventBridgeRules", "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": [
                f"arn:aws:events:{region}:{account}:rule/{rule}" for rule in rule_names]}},
        })
    return {"Version": "2012-10-17", "Statement": statements}
