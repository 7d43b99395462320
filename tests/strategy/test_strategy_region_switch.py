"""The Region switch plan of a pilot light brings the headless cluster up before anything moves."""

from __future__ import annotations

import json

from tests.stacks.test_recovery import PLAN, steps
from tests.support import plan_of, resources


def test_a_pilot_light_plan_adds_an_instance_first_and_waits_long_enough():
    plan = plan_of("prod", strategy="pilot-light")
    named = [s["name"] for s in steps(plan)]
    assert named == ["approve", "bring-up-database", "fence-writes", "scale-database",
                     "promote-database", "move-traffic"]
    [bring_up] = [s for s in steps(plan) if s["name"] == "bring-up-database"]
    [config] = bring_up["customActionLambdaConfigs"]
    assert bring_up["executionBlockType"] == "CustomActionLambda"
    assert (config["regionToRun"], config["timeoutMinutes"]) == ("activatingRegion", 45)
    # Each region's action function brings up its own cluster.
    functions = resources(plan, "recovery", "aws:lambda/function:Function")
    clusters = {f["region"]: f["inputs"]["environment"]["variables"]["OWN_CLUSTER_ID"] for f in functions}
    assert clusters == {"us-east-1": "dr-aurora-prod-use1", "us-east-2": "dr-aurora-prod-use2"}
    policies = [r["inputs"]["policy"] for r in resources(plan, "recovery", "aws:iam/rolePolicy:RolePolicy")]
    assert sum("rds:CreateDBInstance" in json.dumps(policy) for policy in policies) == 2


def test_a_hot_standby_plan_has_no_bring_up_and_its_functions_cannot_create_instances(prod_plan):
    assert "bring-up-database" not in [s["name"] for s in steps(prod_plan)]
    assert len(resources(prod_plan, "recovery", PLAN)) == 1
    policies = [r["inputs"]["policy"]
                for r in resources(prod_plan, "recovery", "aws:iam/rolePolicy:RolePolicy")]
    assert not any("rds:CreateDBInstance" in json.dumps(policy) for policy in policies)
