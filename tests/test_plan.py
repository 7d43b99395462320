"""`invoke plan`: the JSON plan (docs/platform/plan.md), seven layers, realistic and warning-free."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli import plan as plan_task
from shared.cli.common import EXIT_USAGE
from shared.config import REPO_ROOT
from shared.plan.plan import build_plan
from shared.plan.runtime import SECRET, plain
from tests.support import copy_repository, invoke_in, one, plan_of, resources

LAYER_KEYS = {"name", "depends_on", "consumes", "outputs", "warnings", "resources"}
RESOURCE_KEYS = {"urn", "type", "name", "custom", "region", "parent", "protect", "retain_on_delete",
                 "depends_on", "inputs"}


def test_json_document_has_the_design_shape(dev_plan):
    document = json.loads(json.dumps(dev_plan.to_json()))
    assert document["environment"] == "dev"
    assert [layer["name"] for layer in document["layers"]] == [
        "network-primary", "network-secondary", "global-traffic", "data", "compute", "monitoring",
        "recovery"]
    for layer in document["layers"]:
        assert set(layer) >= LAYER_KEYS
        for resource in layer["resources"]:
            assert set(resource) >= RESOURCE_KEYS, resource["urn"]
            assert resource["urn"].startswith(f"urn:pulumi:dev::{layer['name']}::")


def test_parents_and_dependencies_point_at_resources_of_the_same_layer(dev_plan):
    for run in dev_plan.runs:
        urns = {r["urn"] for r in run.resources}
        for resource in run.resources:
            assert resource["parent"] is None or resource["parent"] in urns
            assert set(resource["depends_on"]) <= urns


def test_effective_region_is_recorded_for_every_aws_resource(dev_plan):
    for run in dev_plan.runs:
        for resource in run.resources:
            if resource["type"].startswith("aws:"):
                assert resource["region"] in ("us-east-1", "us-east-2", "global"), resource["urn"]
            if resource["type"].startswith("aws:iam/"):
                assert resource["region"] == "global"


def test_no_warnings_from_pulumi_aws_in_any_layer(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        assert {run.name: run.warnings for run in plan.runs if run.warnings} == {}


def test_secrets_are_masked_in_inputs():
    wire = {"password": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                         "value": "hunter2"}, "port": 5432.0}
    assert plain(wire) == {"password": SECRET, "port": 5432}


def test_plans_are_deterministic():
    assert plan_of("staging").to_json() == plan_of("staging").to_json()
    first = json.dumps(plan_of("dev").to_json(), sort_keys=True)
    assert json.dumps(build_plan("dev").to_json(), sort_keys=True) == first


def test_invoke_plan_writes_the_file_and_refuses_bad_settings(tmp_path):
    out = tmp_path / "plan.json"
    ok = subprocess.run([sys.executable, "-m", "invoke", "plan", "--env", "dev", "--out", str(out)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "network-primary" in ok.stdout and json.loads(out.read_text())["environment"] == "dev"
    bad = subprocess.run([sys.executable, "-m", "invoke", "plan", "--env", "dev", "--set", "dr:azCount=7"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0
    assert bad.stderr.strip() == "error: dr:azCount: '7' is not allowed; use 2 or 3"
    assert "Traceback" not in bad.stderr


def _cluster_protection(plan, region: str) -> bool:
    return one(resources(plan, "data", "aws:rds/cluster:Cluster", region))["inputs"]["deletionProtection"]


def test_a_layer_file_changes_that_layer_and_the_plan_records_it(stacks):
    (stacks / "data" / "Pulumi.prod.yaml").write_text(
        "config:\n  dr:protectData: false\n  dr:tags:\n    Team: data\n  aws:region: us-east-1\n")
    plan = build_plan("prod", {"dr:apiThrottleRateLimit": "50"})
    assert _cluster_protection(plan, "us-east-1") is False
    document = json.loads(json.dumps(plan.to_json()))
    assert document["overrides"] == {"dr:apiThrottleRateLimit": "50"}
    layers = {layer["name"]: layer["settings"] for layer in document["layers"]}
    assert layers["data"]["dr:protectData"] is False and layers["compute"]["dr:protectData"] is True
    assert layers["data"]["dr:tags"] == {"Project": "multi-region-dr", "ManagedBy": "pulumi", "Team": "data"}
    assert {values["dr:apiThrottleRateLimit"] for values in layers.values()} == {50}
    # The environment's own settings, which the guardrails judge by, stay protected.
    assert document["settings"]["dr:protectData"] is True


def test_without_a_layer_file_prod_is_protected(prod_plan):
    assert _cluster_protection(prod_plan, "us-east-1") is True


def test_a_bad_value_in_a_layer_file_stops_the_plan_with_one_line(tmp_path):
    root = copy_repository(tmp_path)
    (root / "stacks" / "data" / "Pulumi.prod.yaml").write_text("config:\n  dr:azCount: 5\n")
    done = invoke_in(root, "plan", "--env", "prod")
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: stacks/data/Pulumi.prod.yaml: dr:azCount: '5' is not allowed; "
                                   "use 2 or 3")
    assert done.stdout == ""


def _never_planned(monkeypatch):
    import shared.plan.plan

    def refuse(*args, **kwargs):
        raise AssertionError("planned before checking --out")

    monkeypatch.setattr(shared.plan.plan, "build_plan", refuse)


@pytest.mark.parametrize(("target", "match"), [
    ("missing/plan.json", r"folder .*missing does not exist; create it or write elsewhere"),
    (".", r"is a folder; give a file name"),
])
def test_plan_out_is_checked_before_planning(monkeypatch, tmp_path, target, match):
    _never_planned(monkeypatch)
    with pytest.raises(Exit, match=match) as refused:
        plan_task.plan(Context(), env="dev", out=str(tmp_path / target))
    assert refused.value.code == EXIT_USAGE


def test_plan_out_into_an_unwritable_folder_is_refused(monkeypatch, tmp_path):
    _never_planned(monkeypatch)
    # A folder with no write bit stops everyone but root; /proc takes no new file even from root.
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    folder = Path("/proc") if os.geteuid() == 0 else locked
    with pytest.raises(Exit, match=rf"{folder} is not writable"):
        plan_task.plan(Context(), env="dev", out=str(folder / "plan.json"))


def test_running_a_layer_program_with_python_says_how_to_run_it():
    done = subprocess.run([sys.executable, "__main__.py"], cwd=REPO_ROOT / "stacks" / "network-primary",
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode != 0
    assert done.stderr.strip() == ("error: this is a Pulumi program, not a script: run it with `pulumi up "
                                   "--stack <env>` in this folder, or offline with `invoke plan --layer "
                                   "network-primary`")


def test_a_listener_arn_names_its_own_load_balancer_as_aws_does(dev_plan):
    listeners = [r for run in dev_plan.runs for r in run.resources if r["type"] == "aws:lb/listener:Listener"]
    assert len(listeners) == 4
    for listener in listeners:
        balancer = listener["inputs"]["loadBalancerArn"]
        assert listener["arn"].startswith(balancer.replace(":loadbalancer/", ":listener/") + "/")
