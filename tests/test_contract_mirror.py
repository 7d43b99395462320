"""The contract mirror: every layer's outputs in SSM in both DR regions, encoded by declared type."""

from __future__ import annotations

import pytest

from shared.contracts import LAYERS
from shared.contracts.base import LIST, MAP, NUMBER, STRING, OutputSpec
from shared.contracts.mirror import (
    STANDARD_VALUE_LIMIT,
    MirrorValueError,
    decode,
    encode,
    parameter_name,
)
from tests.support import mirror_parameters, outputs, plan_of, resources

REGIONS = ("us-east-1", "us-east-2")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_declared_output_is_in_both_regions_with_the_value_the_layer_exports(environment):
    plan = plan_of(environment)
    mirrored = {(p["Region"], p["Name"]): p for p in mirror_parameters(plan)}
    mirrored_specs = {layer: [s for s in contract.outputs if not s.secret]
                      for layer, contract in LAYERS.items()}
    expected = {(region, parameter_name(environment, layer, spec.name))
                for layer, specs in mirrored_specs.items() for spec in specs for region in REGIONS}
    assert set(mirrored) == expected
    # Secrets (the API key) stay in their own CMK-encrypted SecureString, never in the mirror.
    assert not any(name.endswith("/api_key") for _, name in mirrored)
    for layer, specs in mirrored_specs.items():
        exported = outputs(plan, layer)
        for spec in specs:
            for region in REGIONS:
                parameter = mirrored[(region, parameter_name(environment, layer, spec.name))]
                assert decode(spec, parameter["Value"]) == exported[spec.name], (region, layer, spec.name)


def test_mirror_parameters_are_standard_plain_strings_owned_by_the_layer(dev_plan):
    for layer in LAYERS:
        mirror = [r for r in resources(dev_plan, layer, "aws:ssm/parameter:Parameter")
                  if "/contract/" in r["inputs"]["name"]]
        assert mirror, layer
        for parameter in mirror:
            assert parameter["inputs"]["name"].startswith(f"/dr/dev/contract/{layer}/")
            assert parameter["inputs"]["tier"] == "Standard" and parameter["inputs"]["type"] == "String"
            assert parameter["inputs"]["tags"]["dr:layer"] == layer
            assert parameter["inputs"]["tags"]["Name"] == parameter["inputs"]["name"]
            assert parameter["inputs"]["tags"]["Environment"] == "dev"
            # Not data: a destroy removes the mirror, in prod too.
            assert not parameter["protect"] and not parameter["retain_on_delete"]


def test_the_parameter_replicator_does_not_copy_the_mirror(dev_plan):
    """Each region's copy comes from the deploy; a replicated copy would race it."""
    prefixes = {r["inputs"]["environment"]["variables"]["PARAMETER_PREFIX"]
                for r in resources(dev_plan, "compute", "aws:lambda/function:Function")
                if "PARAMETER_PREFIX" in r["inputs"].get("environment", {}).get("variables", {})}
    assert len(prefixes) == 1
    assert not "/dr/dev/contract/x".startswith(prefixes.pop())


def test_the_biggest_output_fits_a_standard_parameter(prod_plan):
    biggest = max(len(p["Value"].encode()) for p in mirror_parameters(prod_plan))
    assert biggest < STANDARD_VALUE_LIMIT // 2  # room for more alarms before the 4 KB limit


@pytest.mark.parametrize(("spec", "value", "text"), [
    (OutputSpec("vpc_id", "", type=STRING), "vpc-0abc", "vpc-0abc"),
    (OutputSpec("db_port", "", type=NUMBER), 5432, "5432"),
    (OutputSpec("subnet_ids", "", type=LIST), ["subnet-b", "subnet-a"], '["subnet-b","subnet-a"]'),
    (OutputSpec("arns", "", type=MAP), {"b": "2", "a": "1"}, '{"a":"1","b":"2"}'),
    (OutputSpec("domain", "", nullable=True), None, "null"),
    (OutputSpec("domain", "", nullable=True), "null", '"null"'),
    (OutputSpec("domain", "", nullable=True), "api.example.com", '"api.example.com"'),
])
def test_values_are_encoded_by_declared_type_and_decode_back(spec, value, text):
    assert encode(spec, value) == text
    assert decode(spec, text) == value


@pytest.mark.parametrize(("spec", "value", "message"), [
    (OutputSpec("vpc_id", ""), ["vpc-1"], r"output vpc_id is a list, declared string"),
    (OutputSpec("db_port", "", type=NUMBER), True, r"output db_port is a bool, declared number"),
    (OutputSpec("vpc_id", ""), None, r"output vpc_id is null but is declared string"),
    (OutputSpec("vpc_id", ""), "", r"output vpc_id is empty"),
    (OutputSpec("names", "", type=LIST), ["x" * 5000], r"over the 4096-byte limit"),
])
def test_a_value_that_breaks_its_declaration_is_refused_at_deploy(spec, value, message):
    with pytest.raises(MirrorValueError, match=message):
        encode(spec, value)


def test_a_parameter_that_is_not_its_types_json_is_named():
    with pytest.raises(MirrorValueError, match=r"output subnet_ids: the parameter is not the JSON"):
        decode(OutputSpec("subnet_ids", "", type=LIST), "subnet-a,subnet-b")
