"""The deployer policy generated from the plan: every action is a real IAM action (policy_sentry's
database), every planned type is covered, roles are passed only to the services that trust them,
and every document fits IAM's managed-policy size."""

import json
import re
from collections import Counter

import pytest
from policy_sentry.querying.all import get_all_actions

from shared.deployer.policy import (
    MANAGED_POLICY_LIMIT,
    DeployerPolicyError,
    deployer_policies,
    documents,
    load_catalogue,
    names_a_key,
    size,
    statements,
)
from tests.support import plan_of

IAM_ACTIONS = {action.lower() for action in get_all_actions()}


def policies(environment, account="*"):
    plan = plan_of(environment)
    return deployer_policies([(run.name, run.resources) for run in plan.runs], environment, account)


def emitted(found):
    return [(s["Sid"], action) for p in found for s in p["document"]["Statement"]
            for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]


def by_layer(found, layer):
    return [s for p in found if p["layer"] == layer for s in p["document"]["Statement"]]


def test_every_action_in_the_catalogue_exists_in_iam():
    catalogue = load_catalogue()
    listed = {a for entry in catalogue.types.values() if entry
              for a in (*entry.actions, *entry.unscoped, *entry.with_key)} | set(catalogue.always)
    unknown = sorted(a for a in listed if a.lower() not in IAM_ACTIONS)
    assert not unknown, f"not IAM actions per policy_sentry: {unknown}"


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_emitted_action_exists_and_every_planned_type_is_covered(environment):
    unknown = sorted({a for _, a in emitted(policies(environment)) if a.lower() not in IAM_ACTIONS})
    assert not unknown
    catalogue = load_catalogue()
    planned = {r["type"] for run in plan_of(environment).runs for r in run.resources
               if r["custom"] and not r["type"].startswith("pulumi:")}
    assert planned <= set(catalogue.types)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_document_fits_a_managed_policy(environment):
    found = policies(environment)
    assert all(size(p["document"]) <= MANAGED_POLICY_LIMIT for p in found)
    assert len({p["name"] for p in found}) == len(found)


def test_oversized_statements_are_split_and_nothing_is_lost():
    found = statements(plan_of("prod").layer("data").resources, "prod", "*", load_catalogue())
    packed = documents(found, limit=1500)
    assert all(size(d) <= 1500 for d in packed)
    flat = {a for d in packed for s in d["Statement"] for a in s["Action"]}
    assert flat == {a for s in found for a in s["Action"]}


def test_backup_vaults_can_be_created_and_service_linked_roles_made_on_first_use():
    found = policies("prod")
    data_actions = {a for s in by_layer(found, "data") for a in s["Action"]}
    assert "backup-storage:MountCapsule" in data_actions  # CreateBackupVault needs it
    linked = {service for p in found for s in p["document"]["Statement"]
              if s["Action"] == ["iam:CreateServiceLinkedRole"]
              for service in s["Condition"]["StringEquals"]["iam:AWSServiceName"]}
    assert linked == {"globalaccelerator.amazonaws.com", "elasticloadbalancing.amazonaws.com",
                      "rds.amazonaws.com", "replication.dynamodb.amazonaws.com", "backup.amazonaws.com",
                      "ops.apigateway.amazonaws.com"}


def test_roles_are_passed_only_to_the_services_that_trust_them():
    found = policies("prod")

    def passed(layer):
        [statement] = [s for s in by_layer(found, layer) if s["Action"] == ["iam:PassRole"]]
        return set(statement["Condition"]["StringEquals"]["iam:PassedToService"])

    assert passed("network-primary") == {"vpc-flow-logs.amazonaws.com"}
    assert passed("data") == {"s3.amazonaws.com", "backup.amazonaws.com"}
    assert "lambda.amazonaws.com" in passed("compute")
    assert not [s for s in by_layer(found, "global-traffic") if s["Action"] == ["iam:PassRole"]]


def test_named_stores_are_scoped_to_the_environment_and_account():
    found = policies("prod", account="123456789012")
    scoped = [s for s in by_layer(found, "data") if "s3:CreateBucket" in s["Action"]]
    assert [s["Resource"] for s in scoped] == ["arn:aws:s3:::dr-data-prod-*"]
    rds = [s for s in by_layer(found, "data") if "rds:CreateDBCluster" in s["Action"]]
    assert all("123456789012" in arn and "dr-aurora-prod" in arn
               for s in rds for arn in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
               if "pg:" not in arn)


def test_a_type_the_catalogue_lacks_is_named_in_one_line():
    resources = [{"type": "aws:sfn/stateMachine:StateMachine", "custom": True, "inputs": {}}]
    with pytest.raises(DeployerPolicyError) as error:
        statements(resources, "dev", "*", load_catalogue())
    assert str(error.value).startswith("the plan holds aws:sfn/stateMachine:StateMachine")


def test_the_task_prints_the_documents_of_the_layers_asked_for(capsys):
    from invoke import Context

    from shared.cli.deployer import deployer_policy

    deployer_policy(Context(), env="dev", layer="global-traffic")
    printed = json.loads(capsys.readouterr().out)
    assert {p["layer"] for p in printed} == {"global-traffic"}
    actions = {a for p in printed for s in p["document"]["Statement"] for a in s["Action"]}
    assert {"globalaccelerator:DeleteAccelerator", "route53:CreateHealthCheck"} <= actions


# --- what IAM really authorizes: scope, tag-on-create, replicas, the role's quota ---

def wildcard_only(action):
    from policy_sentry.querying.actions import get_actions_that_support_wildcard_arns_only

    service = action.split(":")[0]
    if service not in _WILDCARD_ONLY:
        _WILDCARD_ONLY[service] = {a.lower() for a in get_actions_that_support_wildcard_arns_only(service)}
    return action.lower() in _WILDCARD_ONLY[service]


_WILDCARD_ONLY: dict[str, set[str]] = {}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_no_action_is_scoped_that_iam_authorizes_only_on_star(environment):
    # elasticloadbalancing:Describe* and ssm:DescribeParameters have no resource type: under a
    # scoped Resource every refresh of a load balancer or parameter was denied.
    scoped = sorted({(p["layer"], a) for p in policies(environment, "123456789012")
                     for s in p["document"]["Statement"] if s["Resource"] != "*"
                     for a in s["Action"] if wildcard_only(a)})
    assert not scoped, f"denied under a scoped Resource: {scoped}"


TAG_ON_CREATE = re.compile(r"^(?!List|Describe|Get|Untag|Remove|Delete).*Tag", re.IGNORECASE)


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_tagged_resource_can_be_tagged_by_its_own_service(environment):
    # Creating with tags is authorized as the service's tagging action too (AddTags, TagResource,
    # CreateTags...): without it the create itself is denied.
    catalogue, missing = load_catalogue(), []
    for run in plan_of(environment).runs:
        emitted_here = {a for p in deployer_policies([(run.name, run.resources)], environment)
                        for s in p["document"]["Statement"] for a in s["Action"]}
        for token in sorted({r["type"] for r in run.resources if r["custom"] and r["inputs"].get("tags")}):
            entry = catalogue.types[token]
            service = Counter(a.split(":")[0] for a in entry.actions).most_common(1)[0][0] if entry else ""
            if service in ("", "apigateway"):  # API Gateway tags through its HTTP verbs
                continue
            tags = [a for a in emitted_here
                    if a.startswith(f"{service}:") and TAG_ON_CREATE.match(a.split(":")[1])]
            if not tags:
                missing.append((run.name, token, service))
    assert not missing


def test_adding_the_table_replica_and_the_replica_key_is_allowed():
    data = {a for s in by_layer(policies("prod"), "data") for a in s["Action"]}
    # DynamoDB asks the caller for item access in the replica's region; KMS for CreateKey there.
    assert {"dynamodb:CreateTableReplica", "dynamodb:Scan", "dynamodb:Query", "dynamodb:UpdateItem",
            "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
            "kms:ReplicateKey", "kms:CreateKey", "kms:TagResource", "kms:Encrypt"} <= data


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_a_whole_environment_fits_one_role(environment):
    # IAM attaches at most 10 managed policies to a role by default; one stays free for the state
    # bucket's policy, which the plan does not hold.
    assert len(policies(environment)) <= 9


# What each service asks of the caller on a customer managed key (RDS and DynamoDB encryption
# guides: CreateGrant, DescribeKey; Secrets Manager: GenerateDataKey, Decrypt; Parameter Store:
# Encrypt to put a SecureString, Decrypt to read it back on refresh).
KEY_USERS = {"aws:rds/cluster:Cluster": {"kms:CreateGrant", "kms:DescribeKey"},
             "aws:dynamodb/table:Table": {"kms:CreateGrant", "kms:DescribeKey"},
             "aws:secretsmanager/secret:Secret": {"kms:GenerateDataKey", "kms:Decrypt"},
             "aws:ssm/parameter:Parameter": {"kms:Encrypt", "kms:Decrypt"}}


def test_a_resource_under_a_customer_key_brings_what_its_service_asks_of_the_key():
    catalogue, checked = load_catalogue(), set()
    for run in plan_of("prod").runs:
        for resource in run.resources:
            if resource["type"] not in KEY_USERS or not names_a_key(resource["inputs"]):
                continue
            alone = statements([resource], "prod", "123456789012", catalogue)  # nothing to lean on
            on_any = {a for s in alone if s["Resource"] == "*" for a in s["Action"]}
            assert KEY_USERS[resource["type"]] <= on_any, resource["urn"]
            checked.add(resource["type"])
    assert checked == set(KEY_USERS)


def test_parameters_without_a_key_get_no_kms_access():
    plain = [r for run in plan_of("prod").runs for r in run.resources
             if r["type"] == "aws:ssm/parameter:Parameter" and not names_a_key(r["inputs"])]
    assert plain
    found = statements(plain, "prod", "123456789012", load_catalogue())
    assert not {a for s in found for a in s["Action"] if a.startswith("kms:")}
