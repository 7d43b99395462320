"""Reading the deployed topology from the contract mirror in SSM, without Pulumi, from whichever
DR region answers; the Pulumi outputs only when neither region has it."""

from __future__ import annotations

import json
import os
import shlex
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from invoke import Context
from invoke.exceptions import Exit
from moto import mock_aws

from shared.cli.common import EXIT_USAGE
from shared.cli.deploy import outputs as cli_outputs
from shared.cli.ops import failover, status
from shared.contracts import LAYERS
from shared.ops.aws.clients import AwsClients
from shared.ops.aws.errors import OpsError
from shared.ops.aws.mirror import read_mirror
from shared.ops.aws.topology import (
    OPTIONAL_LAYERS,
    PULUMI_SOURCE,
    SOURCE_LAYERS,
    load_topology,
    topology_from_outputs,
)
from tests.orchestrator.standin_pulumi import install
from tests.outage import HangingRegions, watch_every_client
from tests.support import outputs, plan_of, publish_mirror

PRIMARY, SECONDARY = "us-east-1", "us-east-2"


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "PULUMI_BACKEND_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", PRIMARY)
    with mock_aws():
        yield


def clients() -> AwsClients:
    return AwsClients(config=None)


def deployed(*regions: str) -> AwsClients:
    """The account after a deploy that wrote the mirror in `regions` (the plan's own parameters)."""
    emulated = clients()
    assert publish_mirror(plan_of("dev"), emulated.ssm, regions) > 0
    return emulated


def expected_topology(source: str):
    plan = plan_of("dev")
    deployed = {layer: outputs(plan, layer) for layer in SOURCE_LAYERS + OPTIONAL_LAYERS}
    return topology_from_outputs("dev", deployed,
                                 replication_lag_limit_seconds=60, protect_data=False, source=source)


def test_the_mirror_reads_back_as_every_layers_exported_outputs(account):
    emulated = deployed(PRIMARY, SECONDARY)
    plan = plan_of("dev")
    for region in (PRIMARY, SECONDARY):
        assert read_mirror(emulated.ssm(region), "dev") == mirrored_exports(plan)


def mirrored_exports(plan) -> dict:
    """Every layer's exports but the secrets (the API key), which are not mirrored."""
    return {layer: {key: value for key, value in outputs(plan, layer).items()
                    if not any(spec.secret and spec.name == key for spec in LAYERS[layer].outputs)}
            for layer in LAYERS}


def test_with_the_primary_region_gone_and_no_pulumi_the_secondary_serves_the_topology(
        account, outage, no_pulumi):
    emulated = deployed(PRIMARY, SECONDARY)
    outage.take_down(PRIMARY)
    topology = load_topology("dev", clients=emulated)
    assert topology == expected_topology(f"the contract mirror in {SECONDARY}")
    assert outage.refused_in(PRIMARY)  # the profile names us-east-1: tried first, and it is gone


def test_the_lost_region_is_asked_once_beside_the_survivor_and_costs_it_nothing(account, outage,
                                                                               monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", SECONDARY)
    emulated = deployed(PRIMARY, SECONDARY)
    outage.take_down(PRIMARY)
    assert load_topology("dev", clients=emulated).source == f"the contract mirror in {SECONDARY}"
    # The two reads run side by side and the survivor's may win before the lost region's is even
    # sent: wait for that one try (on its daemon thread), then make sure no second one follows.
    deadline = time.monotonic() + 5
    while not outage.refused and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert [call.operation for call in outage.refused] == ["GetParametersByPath"]  # one short try


def test_a_hanging_profile_region_costs_the_grace_not_its_timeouts(account, monkeypatch):
    """The profile names the lost region, whose endpoints accept and never answer (real
    timeouts, not scaled: 2 s connect + 3 s read): the survivor's mirror wins after the grace."""
    world = HangingRegions(scale=1.0)
    watch_every_client(monkeypatch, world.watch)
    try:
        monkeypatch.setenv("AWS_DEFAULT_REGION", PRIMARY)
        emulated = deployed(PRIMARY, SECONDARY)
        world.hanging.add(PRIMARY)
        started = time.monotonic()
        topology = load_topology("dev", clients=emulated)
        took = time.monotonic() - started
    finally:
        world.close()
    assert topology.source == f"the contract mirror in {SECONDARY}"
    assert world.sent and took < 4.5  # the 1 s grace and moto's own work, not a 5 s timeout


def test_a_named_region_is_the_only_one_read(account, outage):
    emulated = deployed(SECONDARY)  # a primary mirror would win if the primary were read
    outage.take_down(PRIMARY)
    assert load_topology("dev", SECONDARY, clients=emulated).source == f"the contract mirror in {SECONDARY}"
    assert outage.refused == []


def test_a_region_without_the_whole_mirror_is_passed_over(account):
    emulated = deployed(SECONDARY)
    # us-east-1 answers but holds only the network layers (a first deploy stopped half-way)
    plan = plan_of("dev")
    for layer in ("network-primary", "network-secondary"):
        for parameter in plan.layer(layer).resources:
            if parameter["type"] == "aws:ssm/parameter:Parameter" and parameter["region"] == PRIMARY:
                emulated.ssm(PRIMARY).put_parameter(Name=parameter["inputs"]["name"], Type="String",
                                                    Value=parameter["inputs"]["insecureValue"])
    assert read_mirror(emulated.ssm(PRIMARY), "dev").keys() == {"network-primary", "network-secondary"}
    assert load_topology("dev", clients=emulated) == expected_topology(f"the contract mirror in {SECONDARY}")


def test_a_region_that_is_not_a_dr_region_is_refused(account):
    with pytest.raises(OpsError, match=r"^--region eu-west-1 holds no contract mirror: choose one of the "
                                       r"DR regions \(us-east-1, us-east-2\)$"):
        load_topology("dev", "eu-west-1", clients=clients())


@pytest.fixture
def pulumi_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in `pulumi` whose stacks hold the outputs the plan's layers export."""
    install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("STANDIN_RECORD", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse battery staple")
    plan = plan_of("dev")
    for layer in SOURCE_LAYERS + OPTIONAL_LAYERS:  # the stand-in's DIY backend layout, a project per layer
        stack = tmp_path / "backend" / ".pulumi" / "stacks" / layer / "dev.json"
        stack.parent.mkdir(parents=True)
        stack.write_text(json.dumps({"outputs": outputs(plan, layer), "resources": None, "time": 0}))


def test_with_no_mirror_in_either_region_the_pulumi_outputs_are_read(account, pulumi_state, tmp_path):
    topology = load_topology("dev", clients=clients(), backend=f"file://{tmp_path / 'backend'}")
    assert topology == expected_topology(PULUMI_SOURCE)


def test_without_the_optional_layers_the_topology_has_no_plan_and_no_api_urls(
        account, pulumi_state, tmp_path):
    for layer in OPTIONAL_LAYERS:
        (tmp_path / "backend" / ".pulumi" / "stacks" / layer / "dev.json").unlink()
    topology = load_topology("dev", clients=clients(), backend=f"file://{tmp_path / 'backend'}")
    assert (topology.plan_arn, topology.primary.api_url, topology.secondary.action_function_name) == (
        None, "", "")
    assert topology.accelerator_health_url.endswith(".awsglobalaccelerator.com:80/health")


def _stack(backend: Path, layer: str = "data") -> str:
    """A file:// backend holding one stack of dev (its content is never read here)."""
    state = backend / ".pulumi" / "stacks" / layer / "dev.json"
    state.parent.mkdir(parents=True)
    state.write_text("{}")
    return f"file://{backend}"


def test_no_mirror_and_pulumi_unusable_is_one_line_with_pulumis_own_fix(account, outage, no_pulumi,
                                                                          monkeypatch, tmp_path):
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "set, so the missing CLI is what stops Pulumi")
    outage.take_down(PRIMARY)
    with pytest.raises(OpsError) as raised:
        load_topology("dev", clients=clients(), backend=_stack(tmp_path))
    assert str(raised.value) == (
        "no contract mirror (SSM /dr/dev/contract/) in us-east-2; us-east-1 unreadable (Could not connect "
        'to the endpoint URL: "https://ssm.us-east-1.amazonaws.com"), and Pulumi\'s outputs failed: the '
        "pulumi CLI is not on PATH; install it: curl -fsSL https://get.pulumi.com | sh "
        "(then open a new shell)")


def test_status_before_any_deployment_is_one_short_line_saying_so(account, monkeypatch, tmp_path):
    """Credentials, both regions answer, nothing deployed: not the passphrase nor the CLI it would
    not need (it printed ~470 characters of both)."""
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    for call in (lambda: status(Context(), env="dev", backend=f"file://{tmp_path}"),
                 lambda: failover(Context(), env="dev", to="secondary", backend=f"file://{tmp_path}")):
        with pytest.raises(Exit) as stopped:
            call()
        assert stopped.value.code == EXIT_USAGE
        assert stopped.value.message == (
            "error: dev is not deployed: no contract mirror (SSM /dr/dev/contract/) in us-east-1 or "
            f"us-east-2, and no Pulumi stack of it in file://{tmp_path}; deploy it with `invoke deploy-all "
            "--env dev`")


def test_a_partial_mirror_and_a_missing_stack_say_not_completely_deployed(account, no_pulumi, tmp_path):
    deployed(SECONDARY)
    clients().ssm(SECONDARY).delete_parameter(Name="/dr/dev/contract/data/table_name")
    with pytest.raises(OpsError, match=r"^dev is not completely deployed: us-east-2 has a mirror without "
                                       r"data\.table_name, and no Pulumi stack of it in file://.*; deploy it "
                                       r"with `invoke deploy-all --env dev`, or leave out --region to read "
                                       r"both DR regions$"):
        load_topology("dev", SECONDARY, clients=clients(), backend=f"file://{tmp_path}")


def test_no_region_readable_and_no_stack_does_not_claim_nothing_is_deployed(account, outage, tmp_path):
    outage.take_down(PRIMARY, SECONDARY)
    with pytest.raises(OpsError) as raised:
        load_topology("dev", clients=clients(), backend=f"file://{tmp_path}")
    message = str(raised.value)
    assert message.startswith("dev's deployment could not be read: us-east-1 unreadable (")
    assert message.endswith(f"no Pulumi stack of it in file://{tmp_path}; fix the access to SSM shown, or "
                            "name the state backend that has it with --backend")


# --- invoke outputs --from-region: the app teams' view, without Pulumi ---


def test_outputs_from_the_surviving_region_are_every_layers_exports(account, outage, no_pulumi, capsys):
    deployed(PRIMARY, SECONDARY)
    outage.take_down(PRIMARY)
    cli_outputs(Context(), env="dev", from_region=SECONDARY)
    captured = capsys.readouterr()
    plan = plan_of("dev")
    assert json.loads(captured.out) == mirrored_exports(plan)
    assert captured.err == ""


def test_outputs_from_a_region_in_env_format_are_shell_lines(account, no_pulumi, capsys):
    deployed(SECONDARY)
    cli_outputs(Context(), env="dev", layer="network-secondary", format="env", from_region=SECONDARY)
    lines = dict(shlex.split(line)[0].split("=", 1) for line in capsys.readouterr().out.splitlines())
    network = outputs(plan_of("dev"), "network-secondary")
    assert lines["NETWORK_SECONDARY_VPC_ID"] == network["vpc_id"]
    assert json.loads(lines["NETWORK_SECONDARY_PRIVATE_SUBNET_IDS"]) == network["private_subnet_ids"]


@pytest.mark.parametrize(("region", "layer", "message"), [
    ("eu-west-1", None, r"^error: --from-region eu-west-1 holds no contract mirror: choose one of the DR "
                      r"regions \(us-east-1, us-east-2\)$"),
    (PRIMARY, None, r"^error: no contract mirror of dev in us-east-1: deploy with `invoke deploy-all --env "
                  r"dev`, which writes it in both DR regions$"),
    (PRIMARY, "data", r"^error: layer data has no contract mirror in us-east-1 \(dev\): run `invoke up "
                      r"--layer data --env dev`$"),
])
def test_outputs_from_a_region_without_the_mirror_say_what_to_do(account, no_pulumi, region, layer, message):
    deployed(SECONDARY)
    with pytest.raises(Exit, match=message):
        cli_outputs(Context(), env="dev", layer=layer, from_region=region)


def test_outputs_from_an_unreachable_region_are_one_line(account, outage, no_pulumi):
    outage.take_down(PRIMARY)
    with pytest.raises(Exit, match=r"^error: the contract mirror in us-east-1 is unreadable: Could not "
                                   r"connect to the endpoint URL: \"https://ssm.us-east-1.amazonaws.com\"$"):
        cli_outputs(Context(), env="dev", from_region=PRIMARY)
