"""examples/app-team: an application team's Pulumi project on the platform's published outputs,
planned offline with the platform's own planned outputs in its StackReferences."""

import dataclasses
import importlib.util
import json
import re
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws

from shared.config import REPO_ROOT
from shared.contracts import LAYERS, typed_reader
from shared.plan.runtime import run_layer
from tests.support import plan_of

EXAMPLE = REPO_ROOT / "examples" / "app-team"
REGIONS = {"primary": "us-east-1", "secondary": "us-east-2"}


@pytest.fixture(scope="module")
def platform():
    return plan_of("dev")


@pytest.fixture(scope="module")
def app(platform):
    upstream = {run.name: run.outputs for run in platform.runs}
    return run_layer(EXAMPLE, "orders", "dev", {}, upstream, default_region="us-east-1")


def custom(run, type_token):
    return [r for r in run.resources if r["custom"] and r["type"] == type_token]


def test_the_typed_reader_is_the_one_the_contracts_generate():
    text = typed_reader.render()
    assert (EXAMPLE / typed_reader.MODULE_NAME).read_text() == text, "stale reader: run `invoke docs`"


def test_the_readers_types_are_what_the_platform_publishes(platform):
    # Every planned output fits its property's annotation (lists and maps of strings, numbers).
    kinds = {"str": str, "float": (int, float), "list[str]": list, "dict[str, str]": dict}
    for run in platform.runs:
        for output in LAYERS[run.name].outputs:
            value = run.outputs.values[output.name]
            annotation = typed_reader.annotation(output)
            if value is None:
                assert annotation.endswith("| None"), output.name
                continue
            assert isinstance(value, kinds[annotation.removesuffix(" | None")]), output.name
            members = value if isinstance(value, list) else value.values() if isinstance(value, dict) else []
            assert all(isinstance(member, str) for member in members), output.name


def test_one_stack_reference_per_platform_layer_it_reads_named_like_the_platform_stacks(app):
    references = sorted(r["inputs"]["name"] for r in app.resources
                        if r["type"] == "pulumi:pulumi:StackReference")
    assert references == ["organization/data/dev", "organization/network-primary/dev",
                          "organization/network-secondary/dev"]


def test_each_region_runs_a_function_in_that_regions_private_subnets_with_the_app_group(app, platform):
    functions = {f["region"]: f for f in custom(app, "aws:lambda/function:Function")}
    assert set(functions) == set(REGIONS.values())
    for role, region in REGIONS.items():
        network = platform.layer(f"network-{role}").outputs.values
        vpc = functions[region]["inputs"]["vpcConfig"]
        assert vpc["subnetIds"] == network["private_subnet_ids"]
        assert vpc["securityGroupIds"] == [network["app_security_group_id"]]


def test_each_function_reads_the_global_table_and_flag_through_its_own_region_only(app, platform):
    data = platform.layer("data").outputs.values
    policies = custom(app, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 2
    for function in custom(app, "aws:lambda/function:Function"):
        region = function["region"]
        assert function["inputs"]["environment"]["variables"] == {
            "TABLE_NAME": data["table_name"], "ACTIVE_REGION_PARAMETER": data["active_region_parameter_name"]}
        role = next(r for r in app.resources if r["urn"] in function["depends_on"]
                    and r["type"] == "aws:iam/rolePolicy:RolePolicy")
        statements = json.loads(role["inputs"]["policy"])["Statement"]
        resources = [s["Resource"] for s in statements]
        account = data["table_arn"].split(":")[4]
        role_name = "primary" if region == "us-east-1" else "secondary"
        assert resources == [f"arn:aws:dynamodb:{region}:{account}:table/{data['table_name']}",
                             f"arn:aws:ssm:{region}:{account}:parameter{data['active_region_parameter_name']}",
                             data[f"{role_name}_kms_key_arn"]]


def test_a_renamed_platform_output_fails_the_app_teams_type_check(tmp_path, monkeypatch):
    renamed = dataclasses.replace(LAYERS["network-primary"], outputs=tuple(
        dataclasses.replace(o, name="private_subnets") if o.name == "private_subnet_ids" else o
        for o in LAYERS["network-primary"].outputs))
    monkeypatch.setitem(LAYERS, "network-primary", renamed)
    copy = tmp_path / "app-team"
    copy.mkdir()
    (copy / "__main__.py").write_text((EXAMPLE / "__main__.py").read_text())
    (copy / typed_reader.MODULE_NAME).write_text(typed_reader.render())
    done = subprocess.run([sys.executable, "-m", "mypy", str(copy / "__main__.py")], cwd=REPO_ROOT,
                          env={"MYPYPATH": str(copy), "PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r'Item "NetworkPrimary" of .* has no attribute "private_subnet_ids"', done.stdout)


@mock_aws
def test_the_function_answers_with_its_region_the_active_flag_and_the_order(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-2")
    monkeypatch.setenv("TABLE_NAME", "dr-items-dev")
    monkeypatch.setenv("ACTIVE_REGION_PARAMETER", "/dr/dev/shared/active-region")
    dynamodb = boto3.client("dynamodb", region_name="us-east-2")
    dynamodb.create_table(TableName="dr-items-dev", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          BillingMode="PAY_PER_REQUEST")
    dynamodb.put_item(TableName="dr-items-dev", Item={"pk": {"S": "order#7"}})
    ssm = boto3.client("ssm", region_name="us-east-2")
    ssm.put_parameter(Name="/dr/dev/shared/active-region", Value="us-east-1", Type="String")
    spec = importlib.util.spec_from_file_location("orders", EXAMPLE / "app" / "orders.py")
    orders = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(orders)

    answer = orders.handler({"pathParameters": {"id": "7"}}, None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"region": "us-east-2", "active": False,
                                          "order": {"pk": {"S": "order#7"}}}
    ssm.put_parameter(Name="/dr/dev/shared/active-region", Value="us-east-2", Type="String", Overwrite=True)
    assert json.loads(orders.handler({"pathParameters": {"id": "7"}}, None)["body"])["active"] is True
    assert orders.handler({"pathParameters": {"id": "8"}}, None)["statusCode"] == 404
    assert orders.handler({}, None)["statusCode"] == 400
