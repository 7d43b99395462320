"""global-traffic redeployed after a failover: the program passes the dials Global Accelerator
serves, so the provider (which sends the program's dial on any update of a group) never turns
back what `invoke failover` moved."""

from shared.plan.fakes import global_traffic as fakes
from shared.plan.plan import build_plan
from tests.support import outputs, resources

LAYER = "global-traffic"
GROUP = "aws:globalaccelerator/endpointGroup:EndpointGroup"


def planned_dials(live, monkeypatch, **config):
    monkeypatch.setattr(fakes, "LIVE_DIALS", live)
    plan = build_plan("dev", {f"dr:{k}": v for k, v in config.items()}, layers=[LAYER])
    groups = {g["inputs"]["endpointGroupRegion"]: g for g in resources(plan, LAYER, GROUP)}
    return {region: g["inputs"]["trafficDialPercentage"] for region, g in groups.items()}, groups, plan


def test_a_first_deployment_takes_the_dials_of_the_traffic_mode(monkeypatch):
    dials, _, _ = planned_dials({}, monkeypatch)
    assert dials == {"us-east-1": 100, "us-east-2": 0}


def test_a_normal_redeploy_sends_the_dials_already_served(monkeypatch):
    dials, groups, _ = planned_dials({"us-east-1": 100.0, "us-east-2": 0.0}, monkeypatch)
    assert dials == {"us-east-1": 100, "us-east-2": 0}
    # ignore_changes would substitute the last deployment's value: the live one must go through.
    assert all("trafficDialPercentage" not in g["ignore_changes"] for g in groups.values())


def test_a_redeploy_while_swapped_keeps_the_dials_the_failover_moved(monkeypatch):
    dials, _, plan = planned_dials({"us-east-1": 0.0, "us-east-2": 100.0}, monkeypatch)
    assert dials == {"us-east-1": 0, "us-east-2": 100}
    # The published dials stay dr:trafficMode's: they are what failback restores.
    out = outputs(plan, LAYER)
    assert (out["primary_traffic_dial"], out["secondary_traffic_dial"]) == (100, 0)


def test_a_changed_traffic_mode_does_not_move_a_deployed_dial(monkeypatch):
    dials, _, _ = planned_dials({"us-east-1": 100.0, "us-east-2": 0.0}, monkeypatch,
                                trafficMode="active-active")
    assert dials == {"us-east-1": 100, "us-east-2": 0}


def test_a_group_added_beside_live_ones_starts_at_the_traffic_mode(monkeypatch):
    dials, _, _ = planned_dials({"us-east-1": 40.0}, monkeypatch)
    assert dials == {"us-east-1": 40, "us-east-2": 0}


def test_destroy_waits_between_the_listener_and_the_accelerator(dev_plan):
    # DeleteAccelerator right after DeleteListener can still see the listener (pulumi-aws
    # issue 3742): destroy, which runs the graph in reverse, passes through a wait between them.
    [accelerator] = resources(dev_plan, "global-traffic", "aws:globalaccelerator/accelerator:Accelerator")
    [listener] = resources(dev_plan, "global-traffic", "aws:globalaccelerator/listener:Listener")
    waits = {r["urn"]: r for r in resources(dev_plan, "global-traffic", "time:index/sleep:Sleep")}
    [wait] = [waits[urn] for urn in listener["depends_on"] if urn in waits]
    assert accelerator["urn"] in wait["depends_on"]
    duration = wait["inputs"]["destroyDuration"]
    assert duration.endswith("s") and int(duration[:-1]) >= 30
