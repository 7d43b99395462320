"""Each layer's AWS provider is homed where the layer lives, as the offline plan records it."""

from __future__ import annotations

import json

import pytest

from shared.config import settings_for
from shared.contracts import LAYERS
from shared.providers import REGION, STS_REGION, check_home, rehomed, unhomed_resources
from shared.settings import SettingsError

MIRROR = "aws:ssm/parameter:Parameter"


def _layers(plan) -> dict:
    return {layer["name"]: layer for layer in json.loads(json.dumps(plan.to_json()))["layers"]}


def test_the_plan_records_every_layer_s_provider_home_and_sts_region(dev_plan):
    layers = _layers(dev_plan)
    assert set(layers) == set(LAYERS)
    assert layers["network-secondary"]["provider"] == {REGION: "us-east-2", STS_REGION: "us-east-2"}
    for name, layer in layers.items():
        if name != "network-secondary":
            assert layer["provider"] == {REGION: "us-east-1", STS_REGION: "us-east-1"}, name


def test_a_layer_that_lives_in_the_secondary_region_needs_nothing_of_the_primary(dev_plan):
    # Derived from the plan, so a new secondary-only layer cannot keep a primary home unnoticed:
    # its resources (the contract mirror, written to both regions, aside) all in the secondary.
    secondary = dev_plan.settings.secondary_region
    for name, layer in _layers(dev_plan).items():
        regional = {r["region"] for r in layer["resources"] if r["custom"] and r["type"].startswith("aws:")
                    and r["type"] != MIRROR}
        if regional == {secondary}:
            assert layer["provider"][REGION] == secondary and layer["provider"][STS_REGION] == secondary, name


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_no_regional_resource_takes_its_region_from_the_provider(environment, dev_plan, prod_plan):
    # What makes re-homing a provider an in-place provider update and nothing else.
    plan = dev_plan if environment == "dev" else prod_plan
    for run in plan.runs:
        assert unhomed_resources(run.resources) == [], run.name


def test_a_resource_without_its_own_region_is_found():
    resources = [
        {"urn": "a", "custom": True, "type": "aws:ec2/vpc:Vpc", "region": "us-east-1", "inputs": {}},
        {"urn": "b", "custom": True, "type": "aws:ec2/vpc:Vpc", "region": "us-east-2",
         "inputs": {"region": "us-east-2"}},
        {"urn": "c", "custom": True, "type": "aws:iam/role:Role", "region": "global", "inputs": {}},
    ]
    assert unhomed_resources(resources) == ["a"]


def test_a_re_homed_run_sends_configure_and_sts_to_the_surviving_region():
    assert rehomed("us-east-2") == {REGION: "us-east-2", STS_REGION: "us-east-2"}


def test_the_homes_match_the_settings():
    settings = settings_for("dev")
    for layer in LAYERS:
        check_home(layer, "dev", settings)


def test_a_secondary_region_the_home_does_not_follow_is_one_line_naming_the_fix(stacks):
    settings = settings_for("dev", {"dr:secondaryRegion": "us-west-2"})
    with pytest.raises(SettingsError) as found:
        check_home("network-secondary", "dev", settings)
    assert str(found.value) == ("stacks/network-secondary: the AWS provider's aws:region is us-east-2, "
                                "not dr:secondaryRegion (us-west-2); set `aws:region: us-west-2` under "
                                "config: in stacks/network-secondary/Pulumi.dev.yaml")
    (stacks / "network-secondary" / "Pulumi.dev.yaml").write_text("config:\n  aws:region: us-west-2\n")
    check_home("network-secondary", "dev", settings)
