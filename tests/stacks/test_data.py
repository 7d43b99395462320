"""The data layer under mocks: nothing lost, everything encrypted, dev destroyable, prod kept."""

import json

import pytest

from tests.support import one, outputs, resources

PRIMARY, SECONDARY = "us-east-1", "us-east-2"


def of(plan, token, region=None):
    return resources(plan, "data", token, region)


def test_versioning_is_on_at_both_ends_before_replication(dev_plan):
    buckets = {b["region"]: b for b in of(dev_plan, "aws:s3/bucket:Bucket")}
    assert set(buckets) == {PRIMARY, SECONDARY}
    versionings = of(dev_plan, "aws:s3/bucketVersioning:BucketVersioning")
    assert {v["region"] for v in versionings} == {PRIMARY, SECONDARY}
    assert all(v["inputs"]["versioningConfiguration"]["status"] == "Enabled" for v in versionings)
    replications = of(dev_plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
    assert len(replications) == 2
    assert all({v["urn"] for v in versionings} <= set(r["depends_on"]) for r in replications)


@pytest.mark.parametrize(("source", "destination", "rule_key"), [
    ("primary", "secondary", "replication_rule_id"),
    ("secondary", "primary", "reverse_replication_rule_id")])
def test_each_way_has_rtc_metrics_delete_markers_replica_sync_and_the_destination_key(
        dev_plan, source, destination, rule_key):
    # Two-way with replica modification sync: writes taken by the secondary during a failover
    # reach the primary before failback, and nothing loops (replicas are not replicated again).
    data = outputs(dev_plan, "data")
    regions = {"primary": PRIMARY, "secondary": SECONDARY}
    replication = one([r for r in of(dev_plan, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")
                       if r["inputs"]["bucket"] == data[f"{source}_bucket_name"]])
    assert replication["region"] == regions[source]
    rule = one(replication["inputs"]["rules"])
    target = rule["destination"]
    assert target["bucket"] == data[f"{destination}_bucket_arn"]
    assert target["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
    assert target["metrics"]["status"] == "Enabled"
    assert rule["deleteMarkerReplication"]["status"] == "Enabled"
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"},
                                               "replicaModifications": {"status": "Enabled"}}
    assert target["encryptionConfiguration"]["replicaKmsKeyId"] == data[f"{destination}_kms_key_arn"]
    assert rule["id"] == data[rule_key]


def test_replication_role_is_least_privilege(dev_plan):
    policy = json.loads(one([p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy")
                             if "replication" in p["name"]])["inputs"]["policy"])
    actions = {a for s in policy["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str)
                                                        else s["Action"])}
    assert "s3:*" not in actions and "*" not in actions
    assert all(s["Resource"] != "*" for s in policy["Statement"])


def test_buckets_are_private_encrypted_tls_only(dev_plan):
    data = outputs(dev_plan, "data")
    for region, key in ((PRIMARY, "primary"), (SECONDARY, "secondary")):
        sse = one(of(dev_plan, "aws:s3/bucketServerSideEncryptionConfiguration:"
                               "BucketServerSideEncryptionConfiguration", region))
        default = sse["inputs"]["rules"][0]["applyServerSideEncryptionByDefault"]
        assert default == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": data[f"{key}_kms_key_arn"]}
        block = one(of(dev_plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", region))
        assert all(block["inputs"][flag] for flag in ("blockPublicAcls", "blockPublicPolicy",
                                                      "ignorePublicAcls", "restrictPublicBuckets"))
        policy = json.loads(one(of(dev_plan, "aws:s3/bucketPolicy:BucketPolicy", region))["inputs"]["policy"])
        assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        lifecycle = one(of(dev_plan, "aws:s3/bucketLifecycleConfiguration:"
                                     "BucketLifecycleConfiguration", region))
        assert lifecycle["inputs"]["rules"][0]["noncurrentVersionExpiration"]["noncurrentDays"] > 0


def test_global_table_replicates_to_the_secondary_with_pitr_and_its_key(dev_plan):
    data = outputs(dev_plan, "data")
    table = one(of(dev_plan, "aws:dynamodb/table:Table"))
    inputs = table["inputs"]
    assert table["region"] == PRIMARY and inputs["billingMode"] == "PAY_PER_REQUEST"
    assert inputs["streamEnabled"] and inputs["streamViewType"] == "NEW_AND_OLD_IMAGES"
    assert inputs["pointInTimeRecovery"]["enabled"]
    assert inputs["serverSideEncryption"]["kmsKeyArn"] == data["primary_kms_key_arn"]
    replica = one(inputs["replicas"])
    assert replica["regionName"] == SECONDARY and replica["pointInTimeRecovery"]
    assert replica["kmsKeyArn"] == data["secondary_kms_key_arn"]


def test_secondary_cluster_joins_the_global_cluster_without_credentials(dev_plan):
    data = outputs(dev_plan, "data")
    clusters = {c["region"]: c for c in of(dev_plan, "aws:rds/cluster:Cluster")}
    primary, secondary = clusters[PRIMARY]["inputs"], clusters[SECONDARY]["inputs"]
    assert primary["globalClusterIdentifier"] == data["global_cluster_id"]
    assert secondary["globalClusterIdentifier"] == data["global_cluster_id"]
    assert primary["masterPassword"] == "[secret]" and primary["masterUsername"]
    for absent in ("masterUsername", "masterPassword", "databaseName"):
        assert absent not in secondary
    assert primary["kmsKeyId"] == data["primary_kms_key_arn"]
    assert secondary["kmsKeyId"] == data["secondary_kms_key_arn"]
    assert all(c["inputs"]["storageEncrypted"] for c in clusters.values())
    primary_instance = one(of(dev_plan, "aws:rds/clusterInstance:ClusterInstance", PRIMARY))
    assert primary_instance["urn"] in clusters[SECONDARY]["depends_on"]


def test_both_clusters_serve_the_data_api_the_drill_heartbeats_through(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        clusters = of(plan, "aws:rds/cluster:Cluster")
        assert {c["region"] for c in clusters} == {PRIMARY, SECONDARY}
        assert all(c["inputs"]["enableHttpEndpoint"] is True for c in clusters)


def test_clusters_ignore_membership_drift_after_a_failover(dev_plan):
    for cluster in of(dev_plan, "aws:rds/cluster:Cluster"):
        assert {"globalClusterIdentifier", "replicationSourceIdentifier"} <= set(cluster["ignore_changes"])


def test_serverless_v2_in_private_subnets_of_each_network(dev_plan):
    for cluster in of(dev_plan, "aws:rds/cluster:Cluster"):
        assert cluster["inputs"]["serverlessv2ScalingConfiguration"] == {"minCapacity": 0.5, "maxCapacity": 1}
        assert cluster["inputs"]["engineMode"] == "provisioned"
    for instance in of(dev_plan, "aws:rds/clusterInstance:ClusterInstance"):
        assert instance["inputs"]["instanceClass"] == "db.serverless"
    for region, layer in ((PRIMARY, "network-primary"), (SECONDARY, "network-secondary")):
        group = one(of(dev_plan, "aws:rds/subnetGroup:SubnetGroup", region))
        assert group["inputs"]["subnetIds"] == outputs(dev_plan, layer)["private_subnet_ids"]
        cluster = one(of(dev_plan, "aws:rds/cluster:Cluster", region))
        group_id = outputs(dev_plan, layer)["database_security_group_id"]
        assert cluster["inputs"]["vpcSecurityGroupIds"] == [group_id]


def test_dev_is_destroyable(dev_plan):
    for cluster in of(dev_plan, "aws:rds/cluster:Cluster"):
        assert cluster["inputs"]["skipFinalSnapshot"] and not cluster["inputs"]["deletionProtection"]
        assert not cluster["retain_on_delete"]
    assert not one(of(dev_plan, "aws:dynamodb/table:Table"))["inputs"]["deletionProtectionEnabled"]
    assert all(b["inputs"]["forceDestroy"] for b in of(dev_plan, "aws:s3/bucket:Bucket"))


def test_prod_is_protected(prod_plan):
    clusters = {c["region"]: c for c in of(prod_plan, "aws:rds/cluster:Cluster")}
    assert all(c["inputs"]["deletionProtection"] and c["retain_on_delete"] for c in clusters.values())
    assert clusters[PRIMARY]["inputs"]["finalSnapshotIdentifier"] == "dr-aurora-prod-use1-final"
    table = one(of(prod_plan, "aws:dynamodb/table:Table"))
    assert table["inputs"]["deletionProtectionEnabled"] and table["retain_on_delete"]
    assert all(b["retain_on_delete"] and not b["inputs"]["forceDestroy"]
               for b in of(prod_plan, "aws:s3/bucket:Bucket"))
    assert one(of(prod_plan, "aws:rds/globalCluster:GlobalCluster"))["inputs"]["deletionProtection"]


def test_each_region_backs_up_its_own_copies_and_copies_them_to_the_other(dev_plan):
    # After a failover the writer is the secondary: its region must be backing up already.
    data = outputs(dev_plan, "data")
    vault_arns = {PRIMARY: data["primary_vault_arn"], SECONDARY: data["secondary_vault_arn"]}
    for role, region, other in (("primary", PRIMARY, SECONDARY), ("secondary", SECONDARY, PRIMARY)):
        rule = one(one(of(dev_plan, "aws:backup/plan:Plan", region))["inputs"]["rules"])
        assert rule["targetVaultName"] == data[f"{role}_vault_name"]
        copy = one(rule["copyActions"])
        assert copy["destinationVaultArn"] == vault_arns[other]
        assert copy["lifecycle"] == rule["lifecycle"] == {"deleteAfter": 7}
        selected = set(one(of(dev_plan, "aws:backup/selection:Selection", region))["inputs"]["resources"])
        assert data[f"{role}_cluster_arn"] in selected
        assert f"arn:aws:dynamodb:{region}:123456789012:table/{data['table_name']}" in selected
        assert all(arn.split(":")[3] == region for arn in selected), selected
    vaults = {v["region"]: v["inputs"]["kmsKeyArn"] for v in of(dev_plan, "aws:backup/vault:Vault")}
    assert vaults == {PRIMARY: data["primary_kms_key_arn"], SECONDARY: data["secondary_kms_key_arn"]}


def test_backup_selections_wait_for_the_role_to_hold_its_policies(dev_plan):
    attachments = {a["urn"] for a in of(dev_plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                   if a["name"].startswith("data-backup-role")}
    assert len(attachments) == 2
    for selection in of(dev_plan, "aws:backup/selection:Selection"):
        assert attachments <= set(selection["depends_on"])


def parameters_under(plan, prefix):
    """{region: {name relative to prefix: inputs}} of the data layer's parameters under prefix."""
    found: dict[str, dict[str, dict]] = {PRIMARY: {}, SECONDARY: {}}
    for p in of(plan, "aws:ssm/parameter:Parameter"):
        if p["inputs"]["name"].startswith(prefix):
            found[p["region"]][p["inputs"]["name"].removeprefix(prefix)] = p
    return found


def test_shared_parameters_are_the_same_in_both_regions(dev_plan):
    data = outputs(dev_plan, "data")
    shared = parameters_under(dev_plan, data["parameter_prefix"])
    assert set(shared[PRIMARY]) == set(shared[SECONDARY]) >= {"active-region", "api-key"}
    for name, primary in shared[PRIMARY].items():
        secondary = shared[SECONDARY][name]
        for field in ("type", "insecureValue", "value"):
            assert primary["inputs"].get(field) == secondary["inputs"].get(field), name
    for role, region in (("primary", PRIMARY), ("secondary", SECONDARY)):
        api_key = shared[region]["api-key"]["inputs"]
        assert api_key["type"] == "SecureString" and api_key["value"] == "[secret]"
        assert api_key["keyId"] == data[f"{role}_kms_key_arn"]
    assert data["active_region_parameter_name"] == data["parameter_prefix"] + "active-region"
    assert shared[PRIMARY]["active-region"]["inputs"]["insecureValue"] == PRIMARY


def test_regional_values_live_outside_the_replicated_prefix(dev_plan):
    data = outputs(dev_plan, "data")
    shared, regional = data["parameter_prefix"], data["regional_parameter_prefix"]
    assert not regional.startswith(shared) and not shared.startswith(regional)
    names = {p["inputs"]["name"] for p in of(dev_plan, "aws:ssm/parameter:Parameter")}
    for name in ("db/writer-endpoint", "db/reader-endpoint", "db/secret-arn", "bucket-name"):
        assert regional + name in names and shared + name not in names


def test_every_regional_value_names_its_own_region(dev_plan):
    data = outputs(dev_plan, "data")
    regional = parameters_under(dev_plan, data["regional_parameter_prefix"])
    assert set(regional[PRIMARY]) == set(regional[SECONDARY])
    for role, region, other in (("primary", PRIMARY, SECONDARY), ("secondary", SECONDARY, PRIMARY)):
        values = {name: p["inputs"]["insecureValue"] for name, p in regional[region].items()}
        assert values["db/writer-endpoint"] == data[f"{role}_cluster_endpoint"]
        assert values["bucket-name"] == data[f"{role}_bucket_name"]
        # The secondary VPC must read its own replica of the secret during an outage.
        assert values["db/secret-arn"].startswith(f"arn:aws:secretsmanager:{region}:")
        assert values["db/secret-arn"].split(":")[4:] == data["db_secret_arn"].split(":")[4:]
        # The contract names each region's copy too, for readers of the stack or its mirror.
        assert values["db/secret-arn"] == data[f"{'secondary_' if role == 'secondary' else ''}db_secret_arn"]
        for name, value in values.items():
            assert other not in value, f"{region} {name} names {other}: {value}"
        assert all(region in values[name] for name in ("db/writer-endpoint", "db/reader-endpoint",
                                                       "db/secret-arn"))


def test_operator_owned_values_survive_a_later_deploy(dev_plan):
    data = outputs(dev_plan, "data")
    shared = parameters_under(dev_plan, data["parameter_prefix"])
    regional = parameters_under(dev_plan, data["regional_parameter_prefix"])
    for region in (PRIMARY, SECONDARY):
        fence = regional[region]["writes-enabled"]
        assert fence["inputs"]["insecureValue"] == "true" and fence["ignore_changes"] == ["insecureValue"]
        assert shared[region]["active-region"]["ignore_changes"] == ["insecureValue"]
        for name, flag in shared[region].items():
            if name.startswith("features/"):
                assert flag["ignore_changes"] == ["insecureValue"], name
        assert regional[region]["db/writer-endpoint"]["ignore_changes"] in ([], None)


def test_keys_rotate_and_exist_in_both_regions(dev_plan):
    key = one(of(dev_plan, "aws:kms/key:Key"))
    assert key["inputs"]["multiRegion"] and key["inputs"]["enableKeyRotation"]
    replica = one(of(dev_plan, "aws:kms/replicaKey:ReplicaKey"))
    assert replica["region"] == SECONDARY
    data = outputs(dev_plan, "data")
    assert replica["inputs"]["primaryKeyArn"] == data["primary_kms_key_arn"]
    assert data["secondary_kms_key_arn"].split(":")[3] == SECONDARY


def test_no_credential_appears_in_plain_text(dev_plan):
    text = json.dumps([r["inputs"] for r in dev_plan.layer("data").resources])
    secret_value = one([r for r in of(dev_plan, "aws:secretsmanager/secretVersion:SecretVersion")])
    assert secret_value["inputs"]["secretString"] == "[secret]"
    assert "password\\\": \\\"" not in text
    assert outputs(dev_plan, "data")["db_secret_arn"].startswith("arn:aws:secretsmanager:us-east-1:")


def _kms_grants(policy):
    """kms action -> {(key ARN, the kms:ViaService it is conditioned on)}."""
    grants: dict[str, set[tuple[str, str]]] = {}
    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in (a for a in actions if a.startswith("kms:")):
            via = statement["Condition"]["StringLike"]["kms:ViaService"]
            grants.setdefault(action, set()).add((statement["Resource"], via))
    return grants


def test_replication_role_decrypts_with_both_keys_each_through_its_regions_s3(dev_plan):
    # Bucket keys are on at both ends: S3 decrypts the destination bucket key as well, so a
    # role with Encrypt only there fails every SSE-KMS object for good.
    data = outputs(dev_plan, "data")
    policy = json.loads(one([p for p in of(dev_plan, "aws:iam/rolePolicy:RolePolicy")
                             if p["name"] == "data-bucket-replication-policy"])["inputs"]["policy"])
    grants = _kms_grants(policy)
    source = (data["primary_kms_key_arn"], f"s3.{PRIMARY}.amazonaws.com")
    destination = (data["secondary_kms_key_arn"], f"s3.{SECONDARY}.amazonaws.com")
    assert grants["kms:Decrypt"] >= {source, destination}
    assert destination in grants["kms:Encrypt"]
