"""`invoke outputs`: deployed outputs as JSON or as shell-safe environment lines."""

from __future__ import annotations

import json
import shlex

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.deploy import deploy_all, outputs
from shared.orchestrator.outputs import stack_outputs


@pytest.fixture
def deployed(standin):
    deploy_all(Context(), env="dev", yes=True, backend=standin.backend,
               only="network-primary,network-secondary")
    return standin


def test_json_holds_every_deployed_layer_and_names_the_missing_ones(deployed, capsys):
    capsys.readouterr()
    outputs(Context(), env="dev", backend=deployed.backend)
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert set(document) == {"network-primary", "network-secondary"}
    assert document["network-primary"]["subnet_ids"] == ["subnet-0a1", "subnet-0b2"]
    assert captured.err.strip() == "not deployed in dev: global-traffic, data, compute, monitoring, recovery"


def test_json_of_one_layer_is_that_layers_outputs(deployed, capsys):
    capsys.readouterr()
    outputs(Context(), env="dev", layer="network-secondary", backend=deployed.backend)
    assert json.loads(capsys.readouterr().out)["name"] == "network-secondary-dev"


def test_env_format_is_prefixed_by_layer_and_safe_for_a_shell(deployed, capsys):
    capsys.readouterr()
    outputs(Context(), env="dev", layer="network-primary", format="env", backend=deployed.backend)
    lines = capsys.readouterr().out.splitlines()
    parsed = dict(shlex.split(line)[0].split("=", 1) for line in lines)
    assert parsed == {"NETWORK_PRIMARY_NAME": "network-primary-dev",
                      "NETWORK_PRIMARY_SUBNET_IDS": '["subnet-0a1", "subnet-0b2"]',
                      "NETWORK_PRIMARY_ZONE_COUNT": "2"}


def test_a_layer_not_deployed_is_a_one_line_error_with_the_fix(deployed):
    with pytest.raises(Exit, match=r"layer data has no stack dev: run `invoke up --layer data --env dev`"):
        outputs(Context(), env="dev", layer="data", backend=deployed.backend)


def test_an_unknown_format_is_refused(deployed):
    with pytest.raises(Exit, match="--format must be json or env"):
        outputs(Context(), env="dev", format="yaml", backend=deployed.backend)


def test_stack_outputs_reads_the_same_state_for_dr_operations(deployed):
    assert stack_outputs("network-primary", "dev", backend=deployed.backend)["name"] == "network-primary-dev"
