"""The CrossGuard pack: engine payloads become the plan's record shape, and the rules report
through CrossGuard's own callbacks."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import PolicyCustomTimeouts
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from shared.policy import RULES
from shared.policy.crossguard import plain, policies, record_from_args, record_from_resource
from shared.policy.engine import SECRET, UNKNOWN, Context
from shared.settings import SettingsError
from tests.policy.records import DEV, KEYS, PROD

TOPIC = "aws:sns/topic:Topic"
BUCKET = "aws:s3/bucket:Bucket"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"


def _opts(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def _props(values: dict[str, Any]) -> Any:
    """Props as CrossGuard hands them to a policy: deserialized, behind the unknown proxy."""
    return unknown_checking_proxy(deserialize_properties(values))


def _args(kind: str, name: str, props: dict[str, Any], provider_region: str = "us-east-2",
          protect: bool = False) -> ResourceValidationArgs:
    provider = PolicyProviderResource("pulumi:providers:aws", _props({"region": provider_region}),
                                      "urn:pulumi:prod::data::pulumi:providers:aws::default",
                                      "default")
    return ResourceValidationArgs(kind, _props(props), f"urn:pulumi:prod::data::{kind}::{name}",
                                  name, _opts(protect), provider)


def _policy(name: str, context: Context = PROD) -> Any:
    return next(p for p in policies(RULES, lambda: context) if p.name == name)


def _violations(policy: Any, args: Any) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    policy.validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def test_plain_turns_preview_unknowns_and_secrets_into_markers() -> None:
    props = _props({"name": "dr-alerts", "kmsMasterKeyId": UNKNOWN_STRING_VALUE,
                    "tags": {"Environment": "prod"}, "list": ["a", UNKNOWN_STRING_VALUE]})
    assert plain(props) == {"name": "dr-alerts", "kmsMasterKeyId": UNKNOWN,
                            "tags": {"Environment": "prod"}, "list": ["a", UNKNOWN]}
    assert plain({"password": Secret("hunter2")}) == {"password": SECRET}


def test_record_from_args_has_the_plan_shape_and_effective_region() -> None:
    record = record_from_args(_args(TOPIC, "alerts", {"name": "dr-alerts"}, protect=True))
    assert record["type"] == TOPIC and record["name"] == "alerts" and record["protect"] is True
    assert record["region"] == "us-east-2"  # from the provider: the resource sets none
    assert record["inputs"] == {"name": "dr-alerts"}
    own = record_from_args(_args(TOPIC, "alerts", {"region": "us-east-1"}))
    assert own["region"] == "us-east-1"
    accelerator = record_from_args(_args("aws:globalaccelerator/accelerator:Accelerator", "ga",
                                         {"name": "dr"}))
    assert accelerator["region"] == "global"


def test_resource_policy_reports_a_violation_and_passes_a_compliant_resource() -> None:
    policy = _policy("sns-encryption-cmk")
    assert isinstance(policy, ResourceValidationPolicy)
    assert policy.enforcement_level == EnforcementLevel.MANDATORY
    assert policy.severity == Severity.MEDIUM and policy.framework.reference == "SNS.1"
    bad = _violations(policy, _args(TOPIC, "alerts", {"kmsMasterKeyId": "alias/aws/sns"}))
    assert len(bad) == 1 and "AWS-managed key" in bad[0][0]
    assert _violations(policy, _args(TOPIC, "alerts", {"kmsMasterKeyId": KEYS["us-east-2"]})) == []
    # During preview a key created in the same stack is unknown: not a violation.
    assert _violations(policy, _args(TOPIC, "a", {"kmsMasterKeyId": UNKNOWN_STRING_VALUE})) == []
    # Resources of other types are not the policy's business.
    assert _violations(policy, _args(BUCKET, "b", {"bucket": "dr-a"})) == []


def test_protected_environment_rules_read_the_stack_settings() -> None:
    policy = _policy("deletion-protection", PROD)
    cluster = _args("aws:rds/cluster:Cluster", "db", {"clusterIdentifier": "dr-db"})
    assert _violations(policy, cluster)
    assert _violations(_policy("deletion-protection", DEV), cluster) == []


def test_stack_policy_matches_resources_through_their_outputs_and_dependencies() -> None:
    bucket = PolicyResource(BUCKET, _props({"bucket": "dr-a", "id": "dr-a", "region": "us-east-1"}),
                            f"urn:pulumi:prod::data::{BUCKET}::a", "a", _opts(), None, None, [], {})
    weak = PolicyResource(PAB, _props({"bucket": "dr-a", "blockPublicAcls": True}),
                          f"urn:pulumi:prod::data::{PAB}::a", "a-pab", _opts(), None, None,
                          [bucket], {})
    assert record_from_resource(weak)["depends_on"] == [bucket.urn]
    policy = _policy("s3-public-access-blocked")
    assert isinstance(policy, StackValidationPolicy)
    found = _violations(policy, StackValidationArgs([bucket, weak]))
    assert [urn for _, urn in found] == [bucket.urn]
    assert "restrictPublicBuckets" in found[0][0]


def test_stack_outputs_reach_the_rules_as_the_stack_record() -> None:
    root = PolicyResource("pulumi:pulumi:Stack", _props({"table_name": "dr-items"}),
                          "urn:pulumi:prod::data::pulumi:pulumi:Stack::data-prod", "data-prod",
                          _opts(), None, None, [], {})
    assert record_from_resource(root)["outputs"] == {"table_name": "dr-items"}


def test_rules_the_pack_cannot_judge_say_why() -> None:
    policy = _policy("replication-alarmed")
    with pytest.raises(Exception) as raised:
        policy.validate(StackValidationArgs([]), lambda message, urn=None: None)
    assert "whole plan" in getattr(raised.value, "reason", "")


def test_invalid_settings_become_a_violation_not_a_crash() -> None:
    def broken() -> Context:
        raise SettingsError("dr:appPort: 0 is out of range; use a value from 1 to 65535")

    policy = next(p for p in policies(RULES, broken) if p.name == "sns-encryption-cmk")
    found = _violations(policy, _args(TOPIC, "alerts", {}))
    assert found and "dr:appPort" in found[0][0]


def test_every_rule_is_in_the_pack_once() -> None:
    names = [p.name for p in policies(RULES, lambda: DEV)]
    assert len(names) == len(set(names))
    assert {name.removesuffix("-stack") for name in names} == {r.id for r in RULES}
