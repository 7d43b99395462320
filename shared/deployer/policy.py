"""The deployer's IAM policy documents, generated from an environment's offline plan.

The plan says which resource types each layer holds, which roles it passes to which services and
which service-linked roles AWS will create on first use; shared/deployer/actions.yaml says what
the AWS provider calls for each type. Statements sharing a resource scope are merged, then packed
into documents that each fit IAM's managed-policy size.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).with_name("actions.yaml")
# IAM quota: a customer managed policy document holds at most 6,144 characters, whitespace not
# counted (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
MANAGED_POLICY_LIMIT = 6144
ANY = ("*",)


class DeployerPolicyError(ValueError):
    """The plan holds what the catalogue does not describe; the message names it and the fix."""


@dataclass(frozen=True)
class TypeEntry:
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ANY
    # Actions IAM authorizes on "*" only (no resource type in the Service Authorization
    # Reference, e.g. elasticloadbalancing:Describe*, ssm:DescribeParameters): under a scoped
    # resource they would be denied, so they always go to the unscoped statement.
    unscoped: tuple[str, ...] = ()
    # What the service asks of the caller on a customer managed key the resource names (RDS and
    # DynamoDB: CreateGrant and DescribeKey; Secrets Manager: GenerateDataKey and Decrypt;
    # Parameter Store's SecureString: Encrypt and Decrypt), granted on "*" (the key's own
    # policy delegates to IAM) and only when a planned resource of the type names a key.
    with_key: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    types: dict[str, TypeEntry | None]  # None: the type calls no AWS API
    always: tuple[str, ...]
    service_linked_roles: dict[str, str]  # type token -> the service that creates its role


def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    types: dict[str, TypeEntry | None] = {}
    for token, entry in document["types"].items():
        types[token] = None if entry == "free" else TypeEntry(
            tuple(entry["actions"]), tuple(entry.get("resources") or ANY), tuple(entry.get("unscoped") or ()),
            tuple(entry.get("with_key") or ()))
    return Catalogue(types, tuple(document["always"]), dict(document["service_linked_roles"]))


KEY_INPUTS = ("kmsKeyId", "kmsKeyArn", "keyId")


def names_a_key(inputs: Any) -> bool:
    """Whether the inputs name a KMS key anywhere (nested blocks and replicas included)."""
    if isinstance(inputs, dict):
        return any((k in KEY_INPUTS and str(v).startswith("arn:aws:kms:")) or names_a_key(v)
                   for k, v in inputs.items())
    if isinstance(inputs, list):
        return any(names_a_key(item) for item in inputs)
    return False


def _services_trusted(resource: dict[str, Any]) -> set[str]:
    """The services a planned role trusts: the ones it is passed to."""
    policy = json.loads(resource["inputs"].get("assumeRolePolicy") or "{}")
    services: set[str] = set()
    for statement in policy.get("Statement", []):
        named = (statement.get("Principal") or {}).get("Service", [])
        services.update([named] if isinstance(named, str) else named)
    return services


def _statement(sid: str, actions: Iterable[str], resources: Sequence[str],
               condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(set(actions)),
                                 "Resource": list(resources) if len(resources) > 1 else resources[0]}
    if condition:
        statement["Condition"] = condition
    return statement


def statements(resources: Sequence[dict[str, Any]], environment: str, account: str,
               catalogue: Catalogue) -> list[dict[str, Any]]:
    """Every statement the planned `resources` need, most specific scope first."""
    types = {r["type"] for r in resources if r["custom"] and not r["type"].startswith("pulumi:")}
    unknown = sorted(types - set(catalogue.types))
    if unknown:
        raise DeployerPolicyError(
            f"the plan holds {', '.join(unknown)}, which shared/deployer/actions.yaml does not "
            "describe; add the actions the provider calls for it there")
    by_scope: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for token in sorted(types):
        entry = catalogue.types[token]
        if entry is not None:
            scope = tuple(t.format(account=account, env=environment) for t in entry.resources)
            by_scope[scope].update(entry.actions)
            if entry.unscoped:
                by_scope[ANY].update(entry.unscoped)
    for resource in resources:
        entry = catalogue.types.get(resource["type"])
        if entry is not None and entry.with_key and names_a_key(resource["inputs"]):
            by_scope[ANY].update(entry.with_key)
    found = [_statement(f"Manage{i}", actions, scope)
             for i, (scope, actions) in enumerate(sorted(by_scope.items(), key=lambda kv: kv[0] == ANY))]
    found.append(_statement("ProviderReads", catalogue.always, ANY))
    passed = sorted({s for r in resources if r["type"] == "aws:iam/role:Role" for s in _services_trusted(r)})
    if passed:
        found.append(_statement("PassRolesToTheirServices", ["iam:PassRole"],
                                [f"arn:aws:iam::{account}:role/*"],
                                {"StringEquals": {"iam:PassedToService": passed}}))
    linked = sorted({catalogue.service_linked_roles[t] for t in types if t in catalogue.service_linked_roles})
    if linked:
        found.append(_statement("ServiceLinkedRolesOnFirstUse", ["iam:CreateServiceLinkedRole"],
                                [f"arn:aws:iam::{account}:role/aws-service-role/*"],
                                {"StringEquals": {"iam:AWSServiceName": linked}}))
    return found


def size(document: dict[str, Any]) -> int:
    """What IAM counts against the limit: the JSON without whitespace."""
    return len(json.dumps(document, separators=(",", ":")))


def documents(found: Sequence[dict[str, Any]], limit: int = MANAGED_POLICY_LIMIT) -> list[dict[str, Any]]:
    """The statements packed into as few documents as fit `limit` each; a statement too big for
    one document is split by its actions."""
    pieces: list[dict[str, Any]] = []
    for statement in found:
        pieces.extend(_split(statement, limit))
    packed: list[dict[str, Any]] = []
    for statement in pieces:
        if packed and size({**packed[-1], "Statement": [*packed[-1]["Statement"], statement]}) <= limit:
            packed[-1]["Statement"].append(statement)
        else:
            packed.append({"Version": "2012-10-17", "Statement": [statement]})
    return packed


def _split(statement: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    if size({"Version": "2012-10-17", "Statement": [statement]}) <= limit:
        return [statement]
    actions = statement["Action"]
    half = len(actions) // 2
    return [*_split({**statement, "Sid": statement["Sid"] + "a", "Action": actions[:half]}, limit),
            *_split({**statement, "Sid": statement["Sid"] + "b", "Action": actions[half:]}, limit)]


def deployer_policies(layers: Sequence[tuple[str, Sequence[dict[str, Any]]]], environment: str,
                      account: str = "*", catalogue: Catalogue | None = None) -> list[dict[str, Any]]:
    """`layers`: (name, planned resources). One named policy set per layer given."""
    catalogue = catalogue or load_catalogue()
    named = []
    for layer, resources in layers:
        for i, document in enumerate(documents(statements(resources, environment, account, catalogue)), 1):
            named.append({"name": f"dr-deployer-{environment}-{layer}-{i}", "layer": layer,
                          "document": document})
    return named
