"""Every compute function's role in the offline plan allows each AWS call its handler really makes
(recorded while the handler tests run against moto), on the resource the call names, in both
regions. A permission the code needs and the role lacks fails here, not in production.

The recovery layer's action function is held to the same standard by
tests/recovery/test_region_actions_policy.py (its calls recorded under moto and the Stubber)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from shared.config import REPO_ROOT
from tests.handlers.conftest import FUNCTIONS, RECORD_TO
from tests.permissions import Call, denied, requirements
from tests.support import outputs, plan_of, resources

ROLES = {"primary": ("us-east-1", "us-east-2"), "secondary": ("us-east-2", "us-east-1")}
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> list[Call]:
    """The handler tests, run once more with every call recorded to a file."""
    target = tmp_path_factory.mktemp("calls") / "calls.jsonl"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/handlers"],
        cwd=REPO_ROOT, env={**os.environ, RECORD_TO: str(target)}, capture_output=True, text=True,
        check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:]
    return [Call(**json.loads(line)) for line in target.read_text().splitlines()]


def plan_function(plan, role: str, module: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The function's environment variables and its role's policy documents, as planned."""
    region = ROLES[role][0]
    function = next(f for f in resources(plan, "compute", "aws:lambda/function:Function", region)
                    if f["inputs"]["handler"] == f"{module}.handler")
    policy = next(p for p in resources(plan, "compute", "aws:iam/rolePolicy:RolePolicy")
                  if p["name"] == f"app-{role}-{module.replace('_', '-')}-policy")
    return function["inputs"]["environment"]["variables"], [json.loads(policy["inputs"]["policy"])]


def needed(plan, calls: list[Call], role: str, module: str) -> list[tuple[str, str]]:
    """What the recorded calls of `module` need from the plan's function in `role`'s region."""
    own, peer = ROLES[role]
    data = outputs(plan, "data")
    keys = {data["primary_kms_key_arn"].split(":")[3]: data["primary_kms_key_arn"],
            data["secondary_kms_key_arn"].split(":")[3]: data["secondary_kms_key_arn"]}
    plan_env, _ = plan_function(plan, role, module)
    pairs: list[tuple[str, str]] = []
    for call in (c for c in calls if c.function == module):
        # The tests run each function in the primary region: their "own" is the plan's own.
        region = own if call.region == call.env["AWS_REGION"] else peer
        pairs += requirements(call, region, ACCOUNT, plan_env, keys.__getitem__)
    return sorted(set(pairs))


def test_every_function_was_exercised(calls):
    assert {c.function for c in calls} == set(FUNCTIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("module", FUNCTIONS)
def test_the_role_allows_every_call_its_handler_makes(dev_plan, calls, role, module):
    _, documents = plan_function(dev_plan, role, module)
    assert denied(documents, needed(dev_plan, calls, role, module)) == []


def without(documents: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    trimmed = copy.deepcopy(documents)
    for statement in trimmed[0]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [a for a in actions if a != action] or ["none:None"]
    return trimmed


@pytest.mark.parametrize(("module", "action", "resource"), [
    ("api", "dynamodb:PutItem", ":table/"),
    ("parameter_replicator", "kms:Decrypt", ":key/"),
    ("health", "ssm:GetParameter", ":parameter/"),
])
def test_a_role_missing_a_permission_its_handler_uses_is_caught(dev_plan, calls, module, action,
                                                                resource):
    _, documents = plan_function(dev_plan, "primary", module)
    missing = denied(without(documents, action), needed(dev_plan, calls, "primary", module))
    assert missing and all(m.startswith(f"{action} on ") and resource in m for m in missing)


# Functions whose role is checked against their recorded calls by another test module.
CHECKED_ELSEWHERE = {"region_action": "tests/recovery/test_region_actions_policy.py"}


@pytest.mark.parametrize("overrides", [{}, {"strategy": "pilot-light"}], ids=["as-configured", "pilot-light"])
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_planned_function_is_held_to_the_calls_its_handler_makes(environment, overrides):
    """A function added to any layer without its handler's calls recorded fails here."""
    plan = plan_of(environment, **overrides)
    handlers = {r["inputs"]["handler"].split(".")[0] for run in plan.runs for r in run.resources
                if r["type"] == "aws:lambda/function:Function"}
    assert set(FUNCTIONS) <= handlers
    assert handlers <= set(FUNCTIONS) | set(CHECKED_ELSEWHERE)
    for module, test in CHECKED_ELSEWHERE.items():
        assert f'"{module}.handler"' in (REPO_ROOT / test).read_text()
