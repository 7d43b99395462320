"""deploy-all --region-down over the stand-in CLI, with a region down (tests/outage.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_REFUSED, EXIT_USAGE
from shared.cli.deploy import deploy_all, preview_all
from shared.contracts import LAYERS
from shared.plan.plan import build_plan
from shared.providers import REGION, STS_REGION
from tests.orchestrator.conftest import Standin

DOWN, SURVIVOR = "us-east-1", "us-east-2"


def deploy(standin: Standin, **options: Any) -> None:
    deploy_all(Context(), env="dev", yes=True, backend=options.pop("backend", standin.backend), **options)


def targets(call: dict[str, Any]) -> list[str]:
    argv = call["argv"]
    return [argv[i + 1] for i, word in enumerate(argv) if word == "--target"]


@pytest.fixture
def down(standin, stacks, outage):
    """dev deployed normally, then us-east-1 gone."""
    deploy(standin)
    standin.forget_calls()
    outage.take_down(DOWN)
    return outage


def test_a_plain_deploy_with_the_primary_down_fails_fast_naming_the_degraded_mode(down, standin):
    with pytest.raises(Exit) as stopped:
        deploy(standin)
    message = str(stopped.value.message)
    assert stopped.value.code == EXIT_USAGE and "\n" not in message
    assert f"AWS STS in {DOWN} does not answer" in message
    assert f"invoke deploy-all --region-down {DOWN}" in message
    assert standin.ran("up") == []


def test_the_degraded_deploy_targets_only_the_surviving_region_and_lists_what_is_left(
        down, standin, stacks, capsys):
    (stacks / "data" / "Pulumi.dev.yaml").write_text("config:\n  dr:secondaryAuroraMaxAcu: 16\n")
    deploy(standin, region_down=DOWN)
    plan = build_plan("dev")
    region = {r["urn"]: r["region"] for run in plan.runs for r in run.resources}
    ups = standin.by_layer("up")
    assert set(ups) == set(LAYERS)  # every layer has something in the surviving region
    for layer, call in ups.items():
        chosen = targets(call)
        assert chosen, layer
        assert {region[urn] for urn in chosen} <= {SURVIVOR, None}, layer
        wanted = {r["urn"] for r in plan.layer(layer).resources
                  if r["custom"] and r["type"].startswith("aws:") and r["region"] == SURVIVOR}
        assert wanted <= set(chosen), f"{layer} left surviving-region resources out"
        argv = call["argv"]
        assert "--refresh" not in argv and "--target-dependents" not in argv
        config = yaml.safe_load(Path(argv[argv.index("--config-file") + 1]).read_text())["config"]
        assert config[REGION] == config[STS_REGION] == SURVIVOR
        assert "dr:fingerprint" not in argv[argv.index("--message") + 1]
    # Nothing in this process asked the lost region anything (preflight asked STS in us-east-2).
    assert down.refused_in(DOWN) == []
    out = capsys.readouterr().out
    assert f"left for when {DOWN} returns" in out
    assert "  network-primary: 52 resources in us-east-1 (18 ssm/parameter, 6 ec2/vpcEndpoint" in out
    # network-secondary leaves only its contract mirror's copy in the lost region, and its flow
    # logs' IAM role (global: IAM's control plane is in us-east-1).
    assert ("  network-secondary: 18 resources in us-east-1 (18 ssm/parameter), "
            "2 resources in global (1 iam/role, 1 iam/rolePolicy)") in out
    # The new writer's capacity is raised alone: its cluster is targeted, the primary's is not.
    clusters = {r["region"]: r for r in plan.layer("data").resources
                if r["type"] == "aws:rds/cluster:Cluster"}
    scaling = {where: cluster["inputs"]["serverlessv2ScalingConfiguration"]["maxCapacity"]
               for where, cluster in clusters.items()}
    assert scaling == {DOWN: plan.settings.aurora_max_acu, SURVIVOR: 16}
    assert clusters[SURVIVOR]["urn"] in targets(ups["data"])
    assert clusters[DOWN]["urn"] not in targets(ups["data"])


def test_after_the_region_returns_a_plain_deploy_reconciles_every_layer(down, standin):
    deploy(standin, region_down=DOWN)
    down.restore(DOWN)
    standin.forget_calls()
    deploy(standin)
    ups = standin.by_layer("up")
    assert set(ups) == set(LAYERS)
    assert not any(targets(call) or "--config-file" in call["argv"] for call in ups.values())


def test_the_degraded_preview_targets_the_surviving_region_too(down, standin):
    preview_all(Context(), env="dev", backend=standin.backend, region_down=DOWN)
    previews = standin.by_layer("preview")
    assert set(previews) == set(LAYERS) and all(targets(call) for call in previews.values())
    assert standin.ran("up") == []


def test_a_state_bucket_in_the_down_region_is_refused_in_one_line(down, standin):
    with pytest.raises(Exit) as stopped:
        deploy(standin, region_down=DOWN, backend=f"s3://dr-state?region={DOWN}")
    assert stopped.value.code == EXIT_REFUSED
    message = str(stopped.value.message)
    assert "\n" not in message and f"lives in {DOWN}, which is down" in message
    assert standin.ran("up") == []


def test_a_state_bucket_s_region_is_asked_of_the_surviving_region(standin, outage):
    boto3.client("s3", region_name=SURVIVOR).create_bucket(
        Bucket="dr-state-replica", CreateBucketConfiguration={"LocationConstraint": SURVIVOR})
    outage.take_down(DOWN)
    from shared.orchestrator.backend import Backend
    from shared.orchestrator.backend_region import backend_region

    assert backend_region(Backend("s3://dr-state-replica"), SURVIVOR) == SURVIVOR
    assert outage.refused_in(DOWN) == []


def test_a_region_that_is_not_one_of_the_environment_s_is_one_line(standin):
    with pytest.raises(Exit) as stopped:
        deploy(standin, region_down="eu-west-1")
    assert stopped.value.code == EXIT_USAGE
    assert "is not one of this environment's regions (us-east-1, us-east-2)" in str(stopped.value.message)


def _resource(urn: str, kind: str, region: str | None, parent: str | None = None,
              custom: bool = True) -> dict[str, Any]:
    return {"urn": urn, "type": kind, "region": region, "parent": parent, "custom": custom}


def test_targets_are_the_surviving_region_s_resources_with_their_parents_and_reads():
    from shared.orchestrator.degraded import layer_targets

    resources = [
        _resource("stack", "pulumi:pulumi:Stack", None, custom=False),
        _resource("net", "dr:network:RegionalNetwork", None, "stack", custom=False),
        _resource("vpc-2", "aws:ec2/vpc:Vpc", SURVIVOR, "net"),
        _resource("vpc-1", "aws:ec2/vpc:Vpc", DOWN, "net"),
        _resource("role", "aws:iam/role:Role", "global", "stack"),
        _resource("ref", "pulumi:pulumi:StackReference", None, "stack"),
        _resource("password", "random:index/randomPassword:RandomPassword", None, "stack"),
    ]
    found = layer_targets("x", resources, SURVIVOR)
    assert found.targets == ("net", "ref", "stack", "vpc-2")
    assert found.left == {DOWN: {"ec2/vpc": 1}, "global": {"iam/role": 1}} and found.aws_targets == 1
    # Nothing of the layer in the surviving region: not run at all, everything left for later.
    alone = layer_targets("x", [r for r in resources if r["urn"] != "vpc-2"], SURVIVOR)
    assert alone.targets == () and alone.left == {DOWN: {"ec2/vpc": 1}, "global": {"iam/role": 1}}


def test_a_state_bucket_found_in_the_down_region_is_refused_without_calling_it(standin, outage):
    from shared.orchestrator.backend import Backend
    from shared.orchestrator.backend_region import refuse_backend_in
    from shared.orchestrator.errors import Refused

    boto3.client("s3", region_name=DOWN).create_bucket(Bucket="dr-state")
    outage.take_down(DOWN)
    with pytest.raises(Refused, match=r"^the state backend s3://dr-state lives in us-east-1, which is down"):
        refuse_backend_in(Backend("s3://dr-state"), DOWN, SURVIVOR)
    assert outage.refused_in(DOWN) == []


def test_preflight_warns_when_the_state_bucket_shares_the_primary_s_fate(standin):
    from shared.orchestrator.system import preflight

    boto3.client("s3", region_name=DOWN).create_bucket(Bucket="dr-state")
    assert preflight("dev", ["network-primary"], f"s3://dr-state?region={SURVIVOR}").warnings == []
    prepared = preflight("dev", ["network-primary"], "s3://dr-state")
    assert prepared.warnings == [
        "warning: the state backend s3://dr-state lives in us-east-1, the primary region: if us-east-1 "
        "is lost no layer can be deployed; replicate it (docs/on-call/region-down.md)"]


def test_with_the_secondary_down_the_primary_is_repaired_alone_network_secondary_re_homed(
        standin, stacks, outage, capsys):
    deploy(standin)
    standin.forget_calls()
    outage.take_down("us-east-2")
    deploy(standin, region_down="us-east-2")
    region = {r["urn"]: r["region"] for run in build_plan("dev").runs for r in run.resources}
    ups = standin.by_layer("up")
    assert set(ups) == set(LAYERS)
    for layer, call in ups.items():
        assert {region[urn] for urn in targets(call)} <= {"us-east-1", None}, layer
    # network-secondary lives in us-east-2: only its mirror's us-east-1 copy is touched, its
    # provider moved to us-east-1 for the run.
    argv = ups["network-secondary"]["argv"]
    config = yaml.safe_load(Path(argv[argv.index("--config-file") + 1]).read_text())["config"]
    assert config[REGION] == config[STS_REGION] == "us-east-1"
    assert {urn.rsplit("::", 2)[1].rsplit("$", 1)[-1] for urn in targets(ups["network-secondary"])
            if region[urn] == "us-east-1"} == {"aws:ssm/parameter:Parameter"}
    assert outage.refused_in("us-east-2") == []
    assert "left for when us-east-2 returns" in capsys.readouterr().out


def test_a_lock_the_outage_left_fails_that_layer_with_the_way_out_and_no_refresh(down, standin, capsys):
    lock = standin.root / "state" / ".pulumi" / "locks" / "organization" / "data" / "dev" / "cut.json"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text('{"pid": 4242, "username": "ci", "hostname": "runner-1", "timestamp": "T"}')
    with pytest.raises(Exit) as stopped:
        deploy(standin, region_down=DOWN)
    assert stopped.value.code == 1
    log = standin.log("dev", "data")
    assert "data" not in standin.layers("up") and {"network-primary", "network-secondary"} <= set(
        standin.layers("up"))
    assert "data" in str(stopped.value.message)
    out = capsys.readouterr().out
    assert ("locked by ci@runner-1 (pid 4242) since T" in out
            and "run `pulumi cancel --stack dev --yes` in stacks/data and run again" in out)
    assert "pulumi refresh" not in out and not log.read_text().count("--refresh")
