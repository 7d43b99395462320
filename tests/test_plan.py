"""`invoke plan`: the JSON document of DESIGN §6, six layers, realistic and warning-free."""

import json
import subprocess
import sys

from shared.plan.runtime import SECRET, plain
from tests.support import plan_of

LAYER_KEYS = {"name", "depends_on", "consumes", "outputs", "warnings", "resources"}
RESOURCE_KEYS = {"urn", "type", "name", "custom", "region", "parent", "protect", "retain_on_delete",
                 "depends_on", "inputs"}


def test_json_document_has_the_design_shape(dev_plan):
    document = json.loads(json.dumps(dev_plan.to_json()))
    assert document["environment"] == "dev"
    assert [layer["name"] for layer in document["layers"]] == [
        "network-primary", "network-secondary", "global-traffic", "data", "compute", "monitoring"]
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
    from shared.plan.plan import build_plan
    assert json.dumps(build_plan("dev").to_json(), sort_keys=True) == first


def test_invoke_plan_writes_the_file_and_refuses_bad_settings(tmp_path):
    out = tmp_path / "plan.json"
    ok = subprocess.run([sys.executable, "-m", "invoke", "plan", "--env", "dev", "--out", str(out)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "network-primary" in ok.stdout and json.loads(out.read_text())["environment"] == "dev"
    bad = subprocess.run([sys.executable, "-m", "invoke", "plan", "--set", "dr:azCount=7"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode != 0
    assert bad.stderr.strip() == "error: dr:azCount: '7' is not allowed; use 2 or 3"
    assert "Traceback" not in bad.stderr
