"""Each guardrail fires on a resource that breaks it and stays quiet on one that follows it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from shared.policy import RULES, Context, evaluate
from shared.policy.engine import taggable
from tests.policy.records import (
    BUCKET,
    CLUSTER,
    DEV,
    GLOBAL_CLUSTER,
    KEYS,
    PRIMARY,
    PROD,
    SECONDARY,
    STACK_ONLY,
    TABLE,
    TABLE_REPLICA,
    VAULT,
    aurora,
    backups,
    bucket_set,
    data_layer,
    global_table,
    policy,
    replication,
    res,
    watching,
)

Records = list[dict[str, Any]]
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
LISTENER = "aws:lb/listener:Listener"
FUNCTION = "aws:lambda/function:Function"
PARAMETER = "aws:ssm/parameter:Parameter"
VPC = "aws:ec2/vpc:Vpc"
TAGS = {"Environment": "dev", "Project": "multi-region-dr", "ManagedBy": "pulumi"}
ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}
SCOPED = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::dr-data/*"}


def stack(outputs: dict[str, Any]) -> dict[str, Any]:
    return {"urn": "urn:pulumi:dev::data::pulumi:pulumi:Stack::data-dev",
            "type": "pulumi:pulumi:Stack", "name": "data-dev", "custom": False, "region": None,
            "inputs": {}, "outputs": outputs}


@dataclass
class Case:
    fails: dict[str, Records]  # scenario -> records the rule must flag
    passes: dict[str, Records]
    context: Context = DEV
    contexts: dict[str, Context] = field(default_factory=dict)  # per-scenario override


def _tweak(record: dict[str, Any], **inputs: Any) -> dict[str, Any]:
    return {**record, "inputs": {**record["inputs"], **inputs}}


CASES: dict[str, Case] = {
    "s3-encryption-cmk": Case(
        fails={"no default encryption": bucket_set("dr-a", sse=None),
               "SSE-S3 only": bucket_set("dr-a", sse="AES256"),
               "AWS-managed key": [bucket_set("dr-a", sse=None)[0], res(
                   "aws:s3/bucketServerSideEncryptionConfiguration:"
                   "BucketServerSideEncryptionConfiguration", "sse", bucket="dr-a",
                   rules=[{"applyServerSideEncryptionByDefault": {
                       "sseAlgorithm": "aws:kms", "kmsMasterKeyId": "alias/aws/s3"}}])]},
        passes={"SSE-KMS with the layer's key": bucket_set("dr-a")}),
    "dynamodb-encryption-cmk": Case(
        fails={"table on the AWS-owned key": [global_table(serverSideEncryption={"enabled": True})],
               "replica without its key": [global_table(replicas=[{"regionName": SECONDARY}])],
               "TableReplica without key": [res(TABLE_REPLICA, "r", SECONDARY,
                                                globalTableArn="arn:x")]},
        passes={"keys everywhere": [global_table(), res(TABLE_REPLICA, "r", SECONDARY,
                                                        kmsKeyArn=KEYS[SECONDARY])]}),
    "aurora-encryption-cmk": Case(
        fails={"unencrypted": [res(CLUSTER, "c", storageEncrypted=False, kmsKeyId=KEYS[PRIMARY])],
               "default RDS key": [res(CLUSTER, "c", storageEncrypted=True)],
               "global cluster unencrypted": [res(GLOBAL_CLUSTER, "g", engine="aurora-postgresql")],
               "managed password on the default key": [res(
                   CLUSTER, "c", storageEncrypted=True, kmsKeyId=KEYS[PRIMARY],
                   manageMasterUserPassword=True)]},
        passes={"global database": aurora()}),
    "backup-vault-cmk": Case(
        fails={"default key": [res(VAULT, "v", name="dr-vault")]},
        passes={"vaults with keys": backups()}),
    "sns-encryption-cmk": Case(
        fails={"AWS-managed key": [res("aws:sns/topic:Topic", "t", kmsMasterKeyId="alias/aws/sns")],
               "unencrypted": [res("aws:sns/topic:Topic", "t")]},
        passes={"CMK": [res("aws:sns/topic:Topic", "t", kmsMasterKeyId=KEYS[PRIMARY])]}),
    "secrets-encryption-cmk": Case(
        fails={"SecureString on aws/ssm": [res(PARAMETER, "p", type="SecureString",
                                               value="[secret]")],
               "secret on the default key": [res("aws:secretsmanager/secret:Secret", "s")]},
        passes={"SecureString with key": [res(PARAMETER, "p", type="SecureString",
                                              value="[secret]", keyId=KEYS[PRIMARY])],
                "plain String is out of scope": [res(PARAMETER, "p", type="String",
                                                     value="us-east-1", name="/dr/active")]}),
    "app-logs-encryption-cmk": Case(
        fails={"Lambda logs without key": [res(LOG_GROUP, "l", name="/aws/lambda/dr-api",
                                               retentionInDays=30)]},
        passes={"Lambda logs with key": [res(LOG_GROUP, "l", name="/aws/lambda/dr-api",
                                             retentionInDays=30, kmsKeyId=KEYS[PRIMARY])],
                "flow logs keep default encryption": [res(
                    LOG_GROUP, "l", name="/dr/dev/us-east-1/vpc-flow-logs", retentionInDays=30)]}),
    "kms-key-rotation": Case(
        fails={"rotation off": [res("aws:kms/key:Key", "k")]},
        passes={"rotation on": [res("aws:kms/key:Key", "k", enableKeyRotation=True)],
                "asymmetric keys cannot rotate": [res("aws:kms/key:Key", "k",
                                                      customerMasterKeySpec="RSA_2048")]}),
    "s3-public-access-blocked": Case(
        fails={"no block": bucket_set("dr-a", pab=False),
               "one flag off": [*bucket_set("dr-a", pab=False), res(
                   "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", bucket="dr-a",
                   blockPublicAcls=True, blockPublicPolicy=True, ignorePublicAcls=True,
                   restrictPublicBuckets=False)]},
        passes={"all four flags": bucket_set("dr-a"),
                # An auto-named bucket is matched through the dependency on its URN.
                "matched by dependency": [res(BUCKET, "auto"), res(
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab",
                    bucket="auto-1a2b3c4", depends_on=(f"urn:pulumi:dev::data::{BUCKET}::auto",),
                    blockPublicAcls=True, blockPublicPolicy=True, ignorePublicAcls=True,
                    restrictPublicBuckets=True)]}),
    "s3-tls-only": Case(
        fails={"no policy": bucket_set("dr-a", tls=False),
               "policy without the TLS deny": [*bucket_set("dr-a", tls=False), res(
                   "aws:s3/bucketPolicy:BucketPolicy", "p", bucket="dr-a", policy=policy(SCOPED))]},
        passes={"deny when aws:SecureTransport is false": bucket_set("dr-a")}),
    "iam-least-privilege": Case(
        fails={"role policy * on *": [res(ROLE_POLICY, "p", "global", policy=policy(ADMIN))],
               "inline policy on a role": [res("aws:iam/role:Role", "r", "global",
                                               inlinePolicies=[{"name": "x",
                                                                "policy": policy(ADMIN)}])],
               "NotAction on *": [res(ROLE_POLICY, "p", "global", policy=policy(
                   {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))],
               "AdministratorAccess attached": [res(
                   "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", "global", role="r",
                   policyArn="arn:aws:iam::aws:policy/AdministratorAccess")]},
        passes={"scoped": [res(ROLE_POLICY, "p", "global", policy=policy(SCOPED))],
                "deny * is fine": [res(ROLE_POLICY, "p", "global", policy=policy(
                    {**ADMIN, "Effect": "Deny"}))]}),
    "ingress-entry-port-only": Case(
        fails={"SSH from anywhere over IPv6": [res(INGRESS, "i", ipProtocol="tcp", fromPort=22,
                                                   toPort=22, cidrIpv6="::/0")],
               "all traffic": [res(INGRESS, "i", ipProtocol="-1", cidrIpv4="0.0.0.0/0")],
               "inline group rule": [res("aws:ec2/securityGroup:SecurityGroup", "g", ingress=[
                   {"protocol": "tcp", "fromPort": 5432, "toPort": 5432,
                    "cidrBlocks": ["0.0.0.0/0"]}])]},
        passes={"the entry port": [res(INGRESS, "i", ipProtocol="tcp", fromPort=80, toPort=80,
                                       cidrIpv4="0.0.0.0/0")],
                "private range": [res(INGRESS, "i", ipProtocol="tcp", fromPort=5432,
                                      toPort=5432, cidrIpv4="10.10.0.0/16")]}),
    "no-plaintext-secrets": Case(
        fails={"Lambda environment token": [res(FUNCTION, "f", name="dr-api", environment={
                   "variables": {"API_TOKEN": "abc123"}})],
               "literal master password": [res(CLUSTER, "c", masterPassword="hunter2")],
               "credential in a String parameter": [res(PARAMETER, "p", type="String",
                                                        name="/dr/dev/db-password",
                                                        value="[secret]")],
               "exported in plain text": [stack({"api_token": "abc123"})],
               "literal secret version": [res("aws:secretsmanager/secretVersion:SecretVersion",
                                              "v", secretId="arn:x", secretString="hunter2")]},
        passes={"masked secrets and ARNs": [
                    res(CLUSTER, "c", masterPassword="[secret]"),
                    res(FUNCTION, "f", name="dr-api", environment={"variables": {
                        "DB_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:db"}}),
                    stack({"db_secret_arn": "arn:aws:secretsmanager:us-east-1:1:secret:db",
                           "api_token": "[secret]"}),
                    res(PARAMETER, "p", type="String", name="/dr/dev/db-secret-arn",
                        value="[secret]")]}),
    "entry-tls": Case(
        fails={"plain HTTP ALB listener in prod": [res(LISTENER, "alb", protocol="HTTP", port=80)]},
        passes={"HTTPS ALB listener": [res(LISTENER, "alb", protocol="HTTPS", port=443)],
                "the NLB's TCP pass-through": [res(LISTENER, "nlb", protocol="TCP", port=443)],
                "dev may stay plain HTTP": [res(LISTENER, "alb", protocol="HTTP", port=80)]},
        context=PROD, contexts={"dev may stay plain HTTP": DEV}),
    "entry-certificates": Case(
        fails={"documentation account": [res(LISTENER, "alb", protocol="HTTPS", certificateArn=(
                   "arn:aws:acm:us-east-1:123456789012:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"))],
               "all-zero id": [res(LISTENER, "alb", protocol="HTTPS", certificateArn=(
                   "arn:aws:acm:us-east-1:210987654321:certificate/00000000-0000-0000-0000-000000000000"))],
               "example.com custom domain": [res("aws:apigateway/domainName:DomainName", "d",
                                                 domainName="api.example.com")]},
        passes={"own certificate in its region": [res(LISTENER, "alb", protocol="HTTPS", certificateArn=(
                    "arn:aws:acm:us-east-1:210987654321:certificate/0f3c7a52-6b5e-4c53-9a3e-1d2f3a4b5c6d"))],
                "plain HTTP (entry-tls judges it)": [res(LISTENER, "alb", protocol="HTTP", port=80)]},
        context=PROD),
    "log-retention": Case(
        fails={"kept forever": [res(LOG_GROUP, "l", name="/dr/x")]},
        passes={"30 days": [res(LOG_GROUP, "l", name="/dr/x", retentionInDays=30)]}),
    "data-replicated": Case(
        fails={"lonely bucket": bucket_set("dr-a"),
               "replica in the same region": [*bucket_set("dr-a"), *bucket_set("dr-b"),
                                              replication("dr-a", "dr-b")],
               "table without replica": [global_table(replicas=[])],
               "cluster outside a global database": [res(CLUSTER, "c", storageEncrypted=True)],
               "global database in one region": aurora()[:2],
               "backup plan without copy": [
                   backups()[0], _tweak(backups()[1], rules=[
                       {"ruleName": "daily", "targetVaultName": f"dr-vault-dev-{PRIMARY}"}])]},
        passes={"the data layer": data_layer(),
                "table replicated through TableReplica": [
                    global_table(replicas=[]),
                    res(TABLE_REPLICA, "r", SECONDARY, globalTableArn=(
                        "arn:aws:dynamodb:us-east-1:123456789012:table/dr-items-dev"))]}),
    "regions-symmetric": Case(
        fails={"VPC in the primary only": [res(VPC, "v")]},
        passes={"twins": [res(VPC, "a"), res(VPC, "b", SECONDARY)],
                "one-sided by design": [res("aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
                                            "p"), res(VPC, "a"), res(VPC, "b", SECONDARY)],
                "one CrossGuard stack holds one region": [res(VPC, "a")]},
        contexts={"one CrossGuard stack holds one region": STACK_ONLY}),
    "replication-alarmed": Case(
        fails={"nothing watches the data layer": data_layer(),
               "alarm on another bucket": [*data_layer(), *[
                   _tweak(r, dimensions={"SourceBucket": "someone-else"})
                   if r["name"] == "s3-lag" else r for r in watching([])]]},
        passes={"every path alarmed": watching(data_layer())}),
    "point-in-time-recovery": Case(
        fails={"table without PITR": [global_table(pointInTimeRecovery={"enabled": False})],
               "replica without PITR": [global_table(replicas=[{"regionName": SECONDARY,
                                                                "kmsKeyArn": KEYS[SECONDARY]}])],
               "cluster without backup retention": [res(CLUSTER, "c", storageEncrypted=True)],
               "unversioned bucket": bucket_set("dr-a", versioned=False)},
        passes={"the data layer": data_layer()}),
    "aws-name-limits": Case(
        fails={"bucket with capitals": [res(BUCKET, "b", bucket="DR_Data")],
               "bucket like an IP": [res(BUCKET, "b", bucket="192.168.1.10")],
               "33-character load balancer": [res("aws:lb/loadBalancer:LoadBalancer", "l",
                                                  name="dr-nlb-" + "x" * 26)],
               "target group with underscore": [res("aws:lb/targetGroup:TargetGroup", "t",
                                                    name="dr_tg")],
               "65-character role": [res("aws:iam/role:Role", "r", "global", name="r" * 65)],
               "function with a dot": [res(FUNCTION, "f", name="dr.api")],
               "bucket prefix too long": [res(BUCKET, "b", bucketPrefix="p" * 38)]},
        passes={"the repository's names": [
            res(BUCKET, "b", bucket="dr-data-dev-use1"),
            res("aws:lb/loadBalancer:LoadBalancer", "l", name="dr-nlb-prod-use1"),
            res("aws:lb/targetGroup:TargetGroup", "t", name="dr-tg-a" + "b" * 25),
            res("aws:iam/role:Role", "r", "global", name="r" * 64),
            res(FUNCTION, "f", name="dr-api_dev-" + "x" * 53)]}),
    "global-accelerator-global": Case(
        fails={"pinned to a region": [res("aws:globalaccelerator/accelerator:Accelerator", "a",
                                          "us-west-2", name="dr")]},
        passes={"global": [res("aws:globalaccelerator/accelerator:Accelerator", "a", "global",
                               name="dr")]}),
    "global-table-stream": Case(
        fails={"replicas with KEYS_ONLY": [global_table(streamViewType="KEYS_ONLY")],
               "TableReplica source without stream": [
                   global_table(replicas=[], streamEnabled=False),
                   res(TABLE_REPLICA, "r", SECONDARY, depends_on=(
                       f"urn:pulumi:dev::data::{TABLE}::table",))]},
        passes={"NEW_AND_OLD_IMAGES": [global_table()],
                "no replicas, no demand": [global_table(replicas=[], streamEnabled=False)]}),
    "deletion-protection": Case(
        fails={"prod cluster": [res(CLUSTER, "c")],
               "prod table": [global_table()]},
        passes={"prod with protection": [res(CLUSTER, "c", deletionProtection=True),
                                         global_table(deletionProtectionEnabled=True)],
                "dev stays destroyable": [res(CLUSTER, "c"), global_table()]},
        context=PROD, contexts={"dev stays destroyable": DEV}),
    "data-retained": Case(
        fails={"prod bucket deleted with its stack": [res(BUCKET, "b", bucket="dr-a")]},
        passes={"retained": [res(BUCKET, "b", bucket="dr-a", retain=True),
                             res(TABLE, "t", protect=True)],
                "dev": [res(BUCKET, "b", bucket="dr-a")]},
        context=PROD, contexts={"dev": DEV}),
    "final-snapshot": Case(
        fails={"prod skips the snapshot": [res(CLUSTER, "c", skipFinalSnapshot=True)],
               "prod global writer skips": [res(CLUSTER, "c", skipFinalSnapshot=True, masterUsername="a",
                                                globalClusterIdentifier="dr-aurora-prod")],
               "destroy would fail": [res(CLUSTER, "c", skipFinalSnapshot=False)],
               "bad snapshot name": [res(CLUSTER, "c", finalSnapshotIdentifier="final--x")],
               "snapshot name over 63": [res(CLUSTER, "c", finalSnapshotIdentifier="f" * 64)]},
        passes={"prod snapshot": [res(CLUSTER, "c", finalSnapshotIdentifier="dr-db-prod-final")],
                "prod global secondary skips": [res(CLUSTER, "c", skipFinalSnapshot=True,
                                                    globalClusterIdentifier="dr-aurora-prod")],
                "dev skips": [res(CLUSTER, "c", skipFinalSnapshot=True)]},
        context=PROD, contexts={"destroy would fail": DEV, "dev skips": DEV}),
    "rto-within-strategy": Case(
        fails={"pilot light promised 5 min": []},
        passes={"hot standby promised 5 min": [], "pilot light promised an hour": []},
        context=replace(DEV, strategy="hot-standby", recovery_time_objective_minutes=5),
        contexts={"pilot light promised 5 min": replace(
                      DEV, strategy="pilot-light", recovery_time_objective_minutes=5),
                  "pilot light promised an hour": replace(
                      DEV, strategy="pilot-light", recovery_time_objective_minutes=60)}),
    "required-tags": Case(
        fails={"untagged": [res(VPC, "v")],
               "wrong environment": [res(VPC, "v", tags={**TAGS, "Environment": "prod"})]},
        passes={"tagged": [res(VPC, "v", tags=TAGS)],
                "not taggable": [res("aws:ec2/routeTableAssociation:RouteTableAssociation", "a")]}),
}


def _scenarios(kind: str) -> list[Any]:
    return [pytest.param(rule_id, name, id=f"{rule_id}: {name}")
            for rule_id, case in CASES.items() for name in getattr(case, kind)]


def _findings(rule_id: str, scenario: str, kind: str) -> list[str]:
    case = CASES[rule_id]
    rule = next(r for r in RULES if r.id == rule_id)
    context = case.contexts.get(scenario, case.context)
    report = evaluate(getattr(case, kind)[scenario], context, [rule])
    return [f"{f.resource}: {f.message}" for f in report.findings]


@pytest.mark.parametrize(("rule_id", "scenario"), _scenarios("fails"))
def test_rule_fires(rule_id: str, scenario: str) -> None:
    assert _findings(rule_id, scenario, "fails")


@pytest.mark.parametrize(("rule_id", "scenario"), _scenarios("passes"))
def test_rule_passes(rule_id: str, scenario: str) -> None:
    assert _findings(rule_id, scenario, "passes") == []


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    assert sorted(CASES) == sorted(r.id for r in RULES)
    assert all(case.fails and case.passes for case in CASES.values())


def test_rule_ids_are_unique_and_controls_are_security_hub_ids() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for rule in RULES:
        assert all(re.fullmatch(r"[A-Za-z0-9]+\.\d+", c) for c in rule.controls), rule.id


def test_taggable_types_come_from_pulumi_aws() -> None:
    assert taggable(BUCKET) and taggable("aws:lambda/function:Function")
    assert not taggable("aws:ec2/routeTableAssociation:RouteTableAssociation")
    assert not taggable("aws:iam/rolePolicy:RolePolicy")
    assert not taggable("pulumi:pulumi:Stack")


def test_messages_name_the_problem() -> None:
    assert _findings("ingress-entry-port-only", "SSH from anywhere over IPv6", "fails") == [
        "i: opens tcp 22-22 to the internet; only TCP [80] (the entry port) may be"]
    assert _findings("data-replicated", "lonely bucket", "fails") == [
        "dr-a: bucket is not replicated to or from us-east-2"]


def test_data_layer_fixture_is_wholly_clean() -> None:
    # The fixtures the passing cases share must satisfy every rule, or a "pass" proves little.
    records = watching(data_layer())
    report = evaluate(records, DEV, [r for r in RULES if r.id not in ("required-tags",)])
    assert [f"{f.rule.id} {f.resource}: {f.message}" for f in report.findings] == []
