"""The data layer through its lifecycle: what a prod destroy keeps, what an upgrade or a
failover rewrites under the program, what must exist before something starts working."""

import json

from tests.support import by_urn, one, outputs, resources

PRIMARY, SECONDARY = "us-east-1", "us-east-2"
# The stores a protected environment keeps.
STORES = ("aws:s3/bucket:Bucket", "aws:dynamodb/table:Table", "aws:rds/cluster:Cluster",
          "aws:rds/globalCluster:GlobalCluster", "aws:backup/vault:Vault",
          "aws:secretsmanager/secret:Secret")
# Inputs by which a resource attaches itself to (configures) the resource they name.
ATTACHING_INPUTS = ("bucket", "clusterIdentifier", "secretId", "targetKeyId", "backupVaultName")
# Reads of other stacks: nothing to delete.
READS = ("pulumi:pulumi:StackReference",)


def of(plan, token, region=None):
    return resources(plan, "data", token, region)


def kept_closure(plan):
    """The stores, what attaches to a kept resource (its configurations, instances, secret
    value, key aliases) and everything any of those depends on, to a fixed point."""
    custom = {urn: r for urn, r in by_urn(plan, "data").items()
              if r["custom"] and r["type"] not in READS}
    kept = {urn for urn, r in custom.items() if r["type"] in STORES}
    while True:
        grown = kept | {urn for urn, r in custom.items()
                        if set(r["depends_on"]) & kept and set(r["inputs"]) & set(ATTACHING_INPUTS)}
        for urn in list(grown):
            grown |= {d for d in custom[urn]["depends_on"] if d in custom}
        if grown == kept:
            return {urn: custom[urn] for urn in kept}
        kept = grown


def test_prod_keeps_every_store_with_everything_it_needs_to_be_read(prod_plan):
    kept = kept_closure(prod_plan)
    types = {r["type"] for r in kept.values()}
    # The set is derived from the graph; these are what it must at least reach.
    assert {"aws:kms/key:Key", "aws:kms/replicaKey:ReplicaKey", "aws:kms/alias:Alias",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy",
            "aws:rds/clusterInstance:ClusterInstance", "aws:rds/subnetGroup:SubnetGroup",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:secretsmanager/secretVersion:SecretVersion"} <= types
    dropped = sorted(r["name"] for r in kept.values() if not r["retain_on_delete"])
    assert dropped == [], f"a prod destroy would delete what kept stores need: {dropped}"


def test_dev_keeps_nothing(dev_plan):
    kept = [r["name"] for r in dev_plan.layer("data").resources if r["retain_on_delete"] or r["protect"]]
    assert kept == []


def test_members_follow_the_global_cluster_version(dev_plan):
    global_cluster = one(of(dev_plan, "aws:rds/globalCluster:GlobalCluster"))
    assert global_cluster["inputs"]["engineVersion"]
    for cluster in of(dev_plan, "aws:rds/cluster:Cluster"):
        assert "engineVersion" in cluster["ignore_changes"], cluster["name"]
    for instance in of(dev_plan, "aws:rds/clusterInstance:ClusterInstance"):
        assert instance["inputs"]["autoMinorVersionUpgrade"] is False
        assert "engineVersion" not in instance["inputs"] or "engineVersion" in instance["ignore_changes"]


def test_each_key_policy_lets_its_own_regions_logs_service_encrypt(dev_plan):
    for token, region in (("aws:kms/key:Key", PRIMARY), ("aws:kms/replicaKey:ReplicaKey", SECONDARY)):
        policy = json.loads(one(of(dev_plan, token))["inputs"]["policy"])
        services = [s for s in policy["Statement"] if "Service" in s["Principal"]]
        assert [s["Principal"]["Service"] for s in services] == [f"logs.{region}.amazonaws.com"]
        context = services[0]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
        assert context.startswith(f"arn:aws:logs:{region}:")


def test_clusters_export_logs_into_encrypted_groups_that_exist_first(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        data = outputs(plan, "data")
        groups = {g["inputs"]["name"]: g for g in of(plan, "aws:cloudwatch/logGroup:LogGroup")}
        for role, region in (("primary", PRIMARY), ("secondary", SECONDARY)):
            cluster = one(of(plan, "aws:rds/cluster:Cluster", region))
            identifier = cluster["inputs"]["clusterIdentifier"]
            group = groups[f"/aws/rds/cluster/{identifier}/postgresql"]
            assert cluster["inputs"]["enabledCloudwatchLogsExports"] == ["postgresql"]
            assert group["region"] == region
            assert group["inputs"]["kmsKeyId"] == data[f"{role}_kms_key_arn"]
            assert group["inputs"]["retentionInDays"] > 0
            # Otherwise RDS creates it first, unencrypted, and ours fails as already existing.
            assert group["urn"] in cluster["depends_on"]


def test_replication_starts_only_once_its_role_may_replicate(dev_plan):
    replications = of(dev_plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    policy = one([p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy") if "replication" in p["name"]])
    assert len(replications) == 2 and all(policy["urn"] in r["depends_on"] for r in replications)


def test_a_plain_pulumi_destroy_of_prod_data_refuses_instead_of_deleting(prod_plan):
    # Pulumi refuses to delete a protected resource before deleting anything, so `pulumi destroy`
    # in stacks/data does not rely on invoke's guard; what invoke's protected destroy keeps is
    # exactly what is protected.
    custom = [r for r in resources(prod_plan, "data") if r["type"] not in READS]
    kept = {r["urn"] for r in custom if r["retain_on_delete"]}
    # Except the secondary's instance: kept, but a switch to pilot light must be able to drop it
    # from the stack (tests/strategy/test_strategy_switch.py).
    [standby_instance] = [r["urn"] for r in
                          of(prod_plan, "aws:rds/clusterInstance:ClusterInstance", SECONDARY)]
    assert kept - {standby_instance} == {r["urn"] for r in custom if r["protect"]}
    assert standby_instance in kept
    parameters = {(r["region"], r["inputs"]["name"].rsplit("/", 1)[-1]) for r in custom
                  if r["type"] == "aws:ssm/parameter:Parameter" and r["urn"] in kept
                  and "/contract/" not in r["inputs"]["name"]}
    assert parameters == {(region, name) for region in (PRIMARY, SECONDARY)
                          for name in ("writes-enabled", "active-region", "api-key")}
    assert {r["urn"] for r in of(prod_plan, "aws:backup/plan:Plan")} <= kept
    assert {r["urn"] for r in of(prod_plan, "aws:backup/selection:Selection")} <= kept
    assert {r["urn"] for r in of(prod_plan, "random:index/randomPassword:RandomPassword")} <= kept


def test_the_data_mirror_outlives_a_protected_destroy_and_other_layers_mirrors_do_not(prod_plan):
    def mirror(layer):
        return [r for r in resources(prod_plan, layer, "aws:ssm/parameter:Parameter")
                if f"/contract/{layer}/" in r["inputs"]["name"]]
    assert mirror("data") and all(r["retain_on_delete"] and r["protect"] for r in mirror("data"))
    assert not any(r["retain_on_delete"] or r["protect"] for r in mirror("compute"))


def test_dev_protects_nothing_so_it_comes_down_cleanly(dev_plan):
    assert not [r["name"] for r in resources(dev_plan, "data") if r["protect"] or r["retain_on_delete"]]
