"""Where the operations get their identifiers, and how bad input is answered."""

from __future__ import annotations

import subprocess
import sys

import pytest

from shared.config import REPO_ROOT
from shared.ops.aws.errors import OpsError
from shared.ops.aws.topology import SOURCE_LAYERS, topology_from_outputs
from tests.support import outputs, plan_of


def test_the_topology_is_the_deployed_outputs():
    plan = plan_of("dev")
    deployed = {layer: outputs(plan, layer) for layer in SOURCE_LAYERS}
    topology = topology_from_outputs("dev", deployed, replication_lag_limit_seconds=60,
                                     protect_data=False)
    data, traffic = deployed["data"], deployed["global-traffic"]
    for side in topology.regions:
        assert side.cluster_arn == data[f"{side.role}_cluster_arn"]
        assert side.endpoint_group_arn == traffic[f"{side.role}_endpoint_group_arn"]
        assert side.health_check_id == traffic[f"{side.role}_health_check_id"]
        assert side.region == deployed[f"network-{side.role}"]["region"]
    assert (topology.primary.deployed_dial, topology.secondary.deployed_dial) == (100, 0)
    assert topology.active_region_parameter_name == data["active_region_parameter_name"]


@pytest.mark.parametrize(("environment", "scheme", "port"), [("dev", "http", 80), ("prod", "https", 443)])
def test_entry_points_are_probed_in_the_protocol_the_albs_listen_with(environment, scheme, port):
    plan = plan_of(environment)
    deployed = {layer: outputs(plan, layer) for layer in SOURCE_LAYERS}
    topology = topology_from_outputs(environment, deployed, replication_lag_limit_seconds=60,
                                     protect_data=False)
    nlb = deployed["network-primary"]["nlb_dns_name"]
    assert topology.primary.health_url == f"{scheme}://{nlb}:{port}/health"
    assert topology.accelerator_health_url.startswith(f"{scheme}://")


def test_a_layer_not_deployed_is_named_with_the_fix():
    plan = plan_of("dev")
    deployed = {layer: outputs(plan, layer) for layer in SOURCE_LAYERS if layer != "global-traffic"}
    with pytest.raises(OpsError, match=r"stack global-traffic/dev has no output '\w+'; deploy it first "
                                       r"\(invoke deploy-all --env dev\)"):
        topology_from_outputs("dev", deployed, replication_lag_limit_seconds=60, protect_data=False)


@pytest.mark.parametrize(("args", "message"), [
    (["failover", "--env", "dev", "--to", "elsewhere"],
     "error: --to must be secondary or primary, not 'elsewhere'"),
    (["failover", "--env", "dev", "--to", "secondary", "--planned", "--unplanned"],
     "error: --planned and --unplanned exclude each other; pick one"),
    (["status", "--format", "xml"], "error: --format must be text or json, not 'xml'"),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(args, message):
    done = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert done.stderr.strip() == message and "Traceback" not in done.stdout + done.stderr
