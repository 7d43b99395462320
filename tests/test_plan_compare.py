"""`invoke plan --compare REF`: two revisions that differ in known ways, diffed as a reviewer
needs (add / replace / update / delete, changed outputs), and the force-new table's coverage."""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi_aws
import pytest
import yaml

from shared.plan.compare import ACTIONS, compare_plans, force_new_table, managed
from shared.plan.compare_report import MARKER
from tests.support import copy_repository, plan_of

NETWORK = "shared/components/network.py"
# The base revision (HEAD~1) of the scratch repository differs from this tree by these edits;
# HEAD is this tree as it is, so the diff reads "what this tree changes against the base".
BASE_EDITS = [
    ('"Database: reachable from the application only"', '"Database: only from the application"'),
    ("enable_dns_hostnames=True", "enable_dns_hostnames=False"),
    ('("ssm", "secretsmanager", "kms", "sts")', '("ssm", "secretsmanager", "kms", "logs")'),
    ('f"{name}-public-rt"', 'f"{name}-public-routes"'),
]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def scratch_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository of this tree whose HEAD~1 carries BASE_EDITS."""
    repo = copy_repository(tmp_path_factory.mktemp("compare"))
    (repo / ".gitignore").write_text("__pycache__/\n")
    original = (repo / NETWORK).read_text()
    edited = original
    for before, after in BASE_EDITS:
        assert edited.count(before) == 1, f"{NETWORK} no longer has {before}: update BASE_EDITS"
        edited = edited.replace(before, after)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "test")
    (repo / NETWORK).write_text(edited)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / NETWORK).write_text(original)
    _git(repo, "commit", "-q", "-am", "head")
    return repo


def _compare(repo: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A scratch TMPDIR shows whether the throwaway checkout is removed afterwards.
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "invoke", "plan", "--env", "dev",
                           "--layer", "network-primary", "--compare", "HEAD~1", *args],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def comparison(scratch_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scratch_tmp = tmp_path_factory.mktemp("tmpdir")
    run = _compare(scratch_repo, scratch_tmp, "--format", "json")
    assert run.returncode == 0, run.stderr
    assert list(scratch_tmp.iterdir()) == [], "the base revision's checkout was left behind"
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def _layer(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(layer for layer in document["layers"] if layer["name"] == name)


def test_the_diff_classifies_each_known_change(comparison: dict[str, Any]) -> None:
    changes = {(c["action"], c["name"]): c for c in _layer(comparison, "network-primary")["resources"]}
    assert set(changes) == {
        # a resource the base did not have, and one renamed (a new URN)
        ("add", "network-primary-sts-endpoint"), ("add", "network-primary-public-rt"),
        ("delete", "network-primary-logs-endpoint"), ("delete", "network-primary-public-routes"),
        # a security group's description is force-new; its rule reads the group's new ID
        ("replace", "network-primary-db-sg"), ("replace", "network-primary-db-in"),
        # DNS hostnames change in place; the renamed table's associations move in place too
        ("update", "network-primary-vpc"),
        ("update", "network-primary-public-rta-0"), ("update", "network-primary-public-rta-1"),
        # the contract mirror follows the two published outputs that change, in both regions
        *(("update", f"network-primary-contract-{region}-{output}") for region in ("us-east-1", "us-east-2")
          for output in ("public_route_table_ids", "database_security_group_id")),
    }
    assert changes["replace", "network-primary-db-sg"]["causes"] == ["description"]
    rule = changes["replace", "network-primary-db-in"]
    assert (rule["causes"], rule["after"]) == (["securityGroupId"], ["network-primary-db-sg"])
    assert changes["update", "network-primary-vpc"]["inputs"] == ["enableDnsHostnames"]
    assert changes["update", "network-primary-public-rta-0"]["inputs"] == ["routeTableId"]
    assert comparison["totals"] == {"add": 2, "replace": 2, "update": 7, "delete": 2}


def test_the_diff_names_the_published_outputs_that_change(comparison: dict[str, Any]) -> None:
    outputs = {o["name"]: o for o in _layer(comparison, "network-primary")["outputs"]}
    assert set(outputs) == {"public_route_table_ids", "database_security_group_id"}
    table = outputs["public_route_table_ids"]
    assert table["before"] != table["after"] and table["replaced_by"] == ""
    assert outputs["database_security_group_id"]["replaced_by"] == "network-primary-db-sg"


def test_a_base_planned_before_comes_from_the_cache_and_progress_is_shown(
        scratch_repo: Path, comparison: dict[str, Any], tmp_path: Path) -> None:
    again = _compare(scratch_repo, tmp_path, "--format", "json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == comparison
    # Nothing was planned again, and the person waiting was told so, layer by layer.
    assert re.search(r"base [0-9a-f]{12}: its plan from the cache", again.stderr)
    assert "network-primary: unchanged, from the cache" in again.stderr
    fresh = _compare(scratch_repo, tmp_path, "--format", "json", "--fresh")
    assert "planning it in the background" in fresh.stderr and "network-primary: planning" in fresh.stderr
    assert json.loads(fresh.stdout) == comparison


def test_markdown_is_a_pull_request_comment(scratch_repo: Path, tmp_path: Path) -> None:
    run = _compare(scratch_repo, tmp_path, "--format", "markdown")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == MARKER  # CI finds and edits its own comment by it
    assert "**2 to add, 2 to replace, 7 to update, 2 to delete**" in lines
    rows = [line for line in lines if line.startswith("| replace |")]
    assert rows == [
        "| replace | `network-primary-db-sg` | `aws:ec2/securityGroup:SecurityGroup` "
        "| replaced: description |",
        "| replace | `network-primary-db-in` | `aws:vpc/securityGroupIngressRule:"
        "SecurityGroupIngressRule` | replaced: securityGroupId; reads new IDs of "
        "network-primary-db-sg |",
    ]
    assert "| `database_security_group_id` | new value once network-primary-db-sg is replaced |" \
        in lines


def _retagged(plan: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The plan, and the same plan with one more tag on every tagged resource."""
    before = json.loads(json.dumps(plan.to_json(), default=str))
    after = copy.deepcopy(before)
    for layer in after["layers"]:
        for resource in layer["resources"]:
            if isinstance(resource["inputs"].get("tags"), dict):
                resource["inputs"]["tags"]["CostCenter"] = "42"
    return before, after


def test_a_tag_change_everywhere_still_fits_one_pull_request_comment(dev_plan: Any,
                                                                     prod_plan: Any) -> None:
    from shared.plan.compare_report import COMMENT_LIMIT, markdown

    reports = [markdown(compare_plans(*_retagged(plan), "origin/main", "0" * 40))
               for plan in (dev_plan, prod_plan)]
    assert len("".join(reports)) < COMMENT_LIMIT
    for report, plan in zip(reports, (dev_plan, prod_plan), strict=True):
        assert report.startswith(MARKER) and "to update" in report
        # still says which kinds of resources change, in every layer that changes
        assert "`aws:ssm/parameter:Parameter`" in report
        assert all(f"`{run.name}`" in report for run in plan.runs)


def test_a_bad_ref_is_one_line_and_plans_nothing(scratch_repo: Path, tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "invoke", "plan", "--compare", "no-such-ref"],
                         cwd=scratch_repo, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"error: --compare: 'no-such-ref' is not a commit of {scratch_repo} (try HEAD~1, a "
        "branch or origin/main; fetch it first if it is remote)"]
    assert run.stdout == "" and list(tmp_path.iterdir()) == []


def test_every_planned_resource_type_has_force_new_knowledge(dev_plan: Any,
                                                             prod_plan: Any) -> None:
    planned = {r["type"] for plan in (dev_plan, prod_plan) for run in plan.runs
               for r in run.resources if managed(r)}
    missing = sorted(planned - set(force_new_table()))
    assert not missing, f"add these types to shared/plan/force_new.yaml: {missing}"


def _sdk_arguments(token: str) -> set[str]:
    package, middle, cls = token.split(":")
    module = middle.split("/")[0]
    if package in ("random", "time"):
        resource = getattr(importlib.import_module(
            "pulumi_random" if package == "random" else "pulumiverse_time"), cls)
    else:
        resource = getattr(getattr(pulumi_aws, "lambda_" if module == "lambda" else module), cls)
    return set(inspect.signature(resource._internal_init).parameters)


def test_the_force_new_table_names_real_inputs() -> None:
    """A misspelt input would never match a diff, silently turning a replacement into an update."""
    unknown = {}
    for token, inputs in force_new_table().items():
        arguments = _sdk_arguments(token)
        snake = {name: re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() for name in inputs}
        wrong = sorted(name for name, arg in snake.items()
                       if arg not in arguments and name != "region")
        if wrong:
            unknown[token] = wrong
    assert not unknown


SAMPLE = yaml.safe_load((Path(__file__).with_name("force_new_sample.yaml")).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("token", "name", "forces"), [
    (token, name, forces) for token, entry in SAMPLE.items()
    for forces, key in ((True, "replaces"), (False, "updates")) for name in entry[key]])
def test_the_force_new_table_follows_the_provider_schema(token: str, name: str, forces: bool) -> None:
    """Each (type, input) of tests/force_new_sample.yaml, as the provider source it cites says."""
    assert re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() in _sdk_arguments(token), "not an input"
    assert (name in force_new_table()[token]) is forces


def _edited(plan: Any, type_token: str, edit: Any) -> list[tuple[str, list[str]]]:
    """(action, causes) of each change after `edit(inputs)` on every `type_token` resource."""
    before = json.loads(json.dumps(plan.to_json(), default=str))
    after = copy.deepcopy(before)
    for layer in after["layers"]:
        for resource in layer["resources"]:
            if resource["type"] == type_token:
                edit(resource["inputs"])
    return [(c.action, c.causes) for layer in compare_plans(before, after).layers
            for c in layer.resources]


def test_a_network_load_balancer_losing_subnets_or_all_groups_is_replaced(dev_plan: Any) -> None:
    token = "aws:lb/loadBalancer:LoadBalancer"
    nlbs = [r for run in dev_plan.runs for r in run.resources
            if r["type"] == token and r["inputs"].get("loadBalancerType") == "network"]
    assert nlbs and all(len(r["inputs"]["subnets"]) >= 2 and r["inputs"].get("securityGroups")
                        for r in nlbs)

    def fewer_subnets(inputs: dict[str, Any]) -> None:
        inputs["subnets"] = inputs["subnets"][1:]

    def more_subnets(inputs: dict[str, Any]) -> None:
        inputs["subnets"] = [*inputs["subnets"], "subnet-0new"]

    def no_groups(inputs: dict[str, Any]) -> None:
        inputs["securityGroups"] = []

    assert ("replace", ["subnets"]) in _edited(dev_plan, token, fewer_subnets)
    assert all(action == "update" for action, _ in _edited(dev_plan, token, more_subnets))
    assert ("replace", ["securityGroups"]) in _edited(dev_plan, token, no_groups)


def test_an_ssm_parameter_going_from_advanced_to_standard_is_replaced(dev_plan: Any) -> None:
    token = "aws:ssm/parameter:Parameter"
    before = json.loads(json.dumps(dev_plan.to_json(), default=str))
    for layer in before["layers"]:
        for resource in layer["resources"]:
            if resource["type"] == token:
                resource["inputs"]["tier"] = "Advanced"
    after = copy.deepcopy(before)
    for layer in after["layers"]:
        for resource in layer["resources"]:
            if resource["type"] == token:
                resource["inputs"]["tier"] = "Standard"
    down = {(c.action, tuple(c.causes)) for layer in compare_plans(before, after).layers
            for c in layer.resources}
    up = {c.action for layer in compare_plans(after, before).layers for c in layer.resources}
    assert down == {("replace", ("tier",))} and up == {"update"}


def test_a_replaced_vpc_carries_its_new_ids_into_every_layer_that_reads_them(dev_plan: Any) -> None:
    """A primary CIDR change replaces the VPC; what reads its new IDs changes downstream too."""
    before = json.loads(json.dumps(dev_plan.to_json(), default=str))
    after = json.loads(json.dumps(plan_of("dev", primaryVpcCidr="10.30.0.0/16").to_json(), default=str))
    changed = {(layer.name, change.action, change.type.rsplit(":", 1)[-1])
               for layer in compare_plans(before, after).layers for change in layer.resources}
    assert ("network-primary", "replace", "Vpc") in changed
    assert {("global-traffic", "replace", "VpcPeeringConnection"),
            ("data", "update", "SubnetGroup"),
            ("compute", "replace", "TargetGroupAttachment"),
            ("compute", "update", "Function")} <= changed  # Lambda's VPC config
    assert not any(layer == "network-secondary" for layer, _, _ in changed)


def test_an_input_under_ignore_changes_is_no_change(dev_plan: Any) -> None:
    """Operations flip the write fence's value; a redeploy keeps it, so the diff must too."""
    before = json.loads(json.dumps(dev_plan.to_json(), default=str))
    after = copy.deepcopy(before)
    fence = next(r for layer in after["layers"] if layer["name"] == "data"
                 for r in layer["resources"] if r["name"].endswith("primary-regional-writes-enabled"))
    assert "insecureValue" in fence["ignore_changes"]
    fence["inputs"]["insecureValue"] = "false"
    assert compare_plans(before, after).to_json()["totals"] == dict.fromkeys(ACTIONS, 0)
    fence["inputs"]["tier"] = "Advanced"
    data = next(layer for layer in compare_plans(before, after).layers if layer.name == "data")
    assert [(c.action, c.name, c.inputs) for c in data.resources] == [
        ("update", fence["name"], ["tier"])]
