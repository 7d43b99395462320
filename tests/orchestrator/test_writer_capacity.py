"""A deploy never lowers the serving writer's Aurora capacity (moto's global cluster)."""

from __future__ import annotations

import boto3
import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_REFUSED
from shared.cli.deploy import deploy_all
from shared.config import settings_for
from shared.ops.aws.clients import AwsClients
from shared.orchestrator.capacity import refuse_lowering_writer, writer_capacity
from shared.orchestrator.errors import Refused

DOWN, SURVIVOR = "us-east-1", "us-east-2"


def writer_in(region: str, low: float, high: float) -> None:
    """dev's global cluster with its writer in `region` (after a failover when it is us-east-2)."""
    rds = boto3.client("rds", region_name=region)
    rds.create_global_cluster(GlobalClusterIdentifier="dr-aurora-dev", Engine="aurora-postgresql",
                              EngineVersion="16.6")
    rds.create_db_cluster(DBClusterIdentifier=f"dr-aurora-dev-{region.replace('us-east-', 'use')}",
                          Engine="aurora-postgresql", EngineVersion="16.6", MasterUsername="dradmin",
                          MasterUserPassword="correct-horse-1", GlobalClusterIdentifier="dr-aurora-dev",
                          ServerlessV2ScalingConfiguration={"MinCapacity": low, "MaxCapacity": high})


def test_the_writer_s_live_range_is_read_where_it_writes(standin):
    writer_in(SURVIVOR, 4, 32)
    found = writer_capacity(settings_for("dev"), AwsClients(), [DOWN, SURVIVOR])
    assert (found.cluster, found.region, found.low, found.high) == ("dr-aurora-dev-use2", SURVIVOR, 4, 32)
    # Its region not asked (down): nothing to compare with, nothing refused.
    assert writer_capacity(settings_for("dev"), AwsClients(), [DOWN]) is None


def test_a_degraded_deploy_that_would_lower_the_new_writer_is_refused_in_one_line(standin, stacks, outage):
    writer_in(SURVIVOR, 4, 32)
    outage.take_down(DOWN)
    with pytest.raises(Exit) as stopped:
        deploy_all(Context(), env="dev", yes=True, backend=standin.backend, region_down=DOWN)
    assert stopped.value.code == EXIT_REFUSED
    assert str(stopped.value.message) == (
        "error: deploying data would lower the serving writer dr-aurora-dev-use2 (us-east-2) from 4-32 "
        "to 0.5-1 ACU; keep it with dr:secondaryAuroraMinAcu: 4 and dr:secondaryAuroraMaxAcu: 32 in "
        "stacks/data/Pulumi.dev.yaml (that cluster only), or lower the live range first if that is "
        "what you want")
    assert standin.ran("up") == [] and outage.refused_in(DOWN) == []


def test_the_setting_the_refusal_names_lets_the_deploy_run(standin, stacks):
    writer_in(SURVIVOR, 4, 32)
    (stacks / "data" / "Pulumi.dev.yaml").write_text(
        "config:\n  dr:secondaryAuroraMinAcu: 4\n  dr:secondaryAuroraMaxAcu: 32\n")
    from shared.config import layer_settings

    assert refuse_lowering_writer(layer_settings("data", "dev"), [DOWN, SURVIVOR]) == []
    deploy_all(Context(), env="dev", yes=True, backend=standin.backend)
    assert "data" in standin.layers("up")


def test_a_writer_in_the_primary_is_compared_with_the_primary_s_range(standin):
    writer_in(DOWN, 2, 16)
    # Raising the other region's range does not keep this writer's.
    raised = settings_for("dev", {"dr:secondaryAuroraMinAcu": "2", "dr:secondaryAuroraMaxAcu": "16"})
    with pytest.raises(Refused, match=r"dr-aurora-dev-use1 \(us-east-1\) from 2-16 to 0.5-1 ACU; keep it "
                                      r"with dr:primaryAuroraMinAcu: 2 and dr:primaryAuroraMaxAcu: 16"):
        refuse_lowering_writer(raised, [DOWN, SURVIVOR])
    kept = settings_for("dev", {"dr:primaryAuroraMinAcu": "2", "dr:primaryAuroraMaxAcu": "16"})
    assert refuse_lowering_writer(kept, [DOWN, SURVIVOR]) == []
