"""After a failover the code still describes the truth: a later `deploy-all` or `pulumi up` must
not promote the old primary back, re-attach the clusters or flip the dials and the parameter.

The programs own the deployed shape; the operations own the fields a failover moves. The plan
records `ignore_changes` on exactly those fields, in every environment (the dials excepted).
"""

from __future__ import annotations

import pytest

from tests.support import outputs, plan_of, resources

# What AWS rewrites during a failover, per resource type: the code must not fight it.
MOVED_BY_FAILOVER = {
    ("data", "aws:rds/cluster:Cluster"): ["globalClusterIdentifier", "replicationSourceIdentifier"],
}
# Traffic dials are not ignored but read live and passed back: the provider sends the program's
# dial on any update of a group (tests/stacks/test_global_traffic_lifecycle.py).
# What else AWS moves on its own: an engine upgrade through the global cluster (the data layer).
UPGRADED = {("data", "aws:rds/cluster:Cluster"): ["engineVersion"],
            ("data", "aws:rds/clusterInstance:ClusterInstance"): ["engineVersion"]}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_a_redeploy_after_failover_leaves_what_the_failover_moved(environment):
    plan = plan_of(environment)
    for (layer, token), fields in MOVED_BY_FAILOVER.items():
        found = resources(plan, layer, token)
        assert len(found) == 2
        assert all(set(fields) <= set(r["ignore_changes"]) for r in found), token
    parameter = outputs(plan, "data")["active_region_parameter_name"]
    flags = [p for p in resources(plan, "data", "aws:ssm/parameter:Parameter")
             if p["inputs"]["name"] == parameter]
    assert {p["region"] for p in flags} == {"us-east-1", "us-east-2"}
    assert all(p["ignore_changes"] == ["insecureValue"] for p in flags)


def test_nothing_else_is_ignored():
    """Only what a failover moves escapes the program: any other drift still shows in a preview."""
    plan = plan_of("prod")
    ignoring = sorted((layer["name"], r["type"], r["region"], tuple(r["ignore_changes"]))
                      for layer in plan.to_json()["layers"] for r in layer["resources"]
                      if r.get("ignore_changes"))
    ignored = {key: sorted(MOVED_BY_FAILOVER.get(key, []) + UPGRADED.get(key, []))
               for key in {**MOVED_BY_FAILOVER, **UPGRADED}}
    expected = sorted([(layer, token, region, tuple(fields))
                       for (layer, token), fields in ignored.items()
                       for region in (["global", "global"] if layer == "global-traffic"
                                      else ["us-east-1", "us-east-2"])]
                      # the active-region flag, the write fence and the maintenance-mode feature
                      # flag: values operators flip at run time
                      + [("data", "aws:ssm/parameter:Parameter", region, ("insecureValue",))
                         for region in ("us-east-1", "us-east-2") for _ in range(3)]
                      # set at creation only: ModifyGlobalCluster cannot change it (the members can)
                      + [("data", "aws:rds/globalCluster:GlobalCluster", "us-east-1",
                          ("engineLifecycleSupport",))])
    assert ignoring == expected
