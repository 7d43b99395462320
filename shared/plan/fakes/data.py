"""Fake identities of the data layer's resources: KMS, S3, DynamoDB, Aurora, Backup, SSM."""

from __future__ import annotations

from typing import Any

from shared.plan.fakes.core import ACCOUNT_ID, Fake, answers, builds, digest, fake_uuid

State = tuple[str, dict[str, Any]]


def _alnum(fake: Fake, length: int) -> str:
    # Base-36 from the URN hash: AWS's lowercase alphanumeric identifiers.
    number, alphabet, out = int(digest(fake.seed, 32), 16), "0123456789abcdefghijklmnopqrstuvwxyz", ""
    while len(out) < length:
        number, index = divmod(number, 36)
        out += alphabet[index]
    return out


@builds("aws:kms/key:Key")
def _key(fake: Fake, name: str, state: dict[str, Any]) -> State:
    key_id = f"mrk-{digest(fake.seed, 32)}" if state.get("multiRegion") else fake_uuid(fake.seed)
    state.update(keyId=key_id, arn=f"arn:aws:kms:{fake.region}:{ACCOUNT_ID}:key/{key_id}")
    return key_id, state


@builds("aws:kms/replicaKey:ReplicaKey")
def _replica_key(fake: Fake, name: str, state: dict[str, Any]) -> State:
    # A replica shares its primary's key ID; only the region in the ARN differs.
    key_id = str(state.get("primaryKeyArn", "")).rsplit("/", 1)[-1] or f"mrk-{digest(fake.seed, 32)}"
    state.update(keyId=key_id, arn=f"arn:aws:kms:{fake.region}:{ACCOUNT_ID}:key/{key_id}")
    return key_id, state


@builds("aws:kms/alias:Alias")
def _alias(fake: Fake, name: str, state: dict[str, Any]) -> State:
    state["arn"] = f"arn:aws:kms:{fake.region}:{ACCOUNT_ID}:{name}"
    return name, state


@builds("aws:s3/bucket:Bucket")
def _bucket(fake: Fake, name: str, state: dict[str, Any]) -> State:
    bucket = state.get("bucket") or name
    state.update(bucket=bucket, arn=f"arn:aws:s3:::{bucket}", region=fake.region,
                 bucketDomainName=f"{bucket}.s3.amazonaws.com",
                 bucketRegionalDomainName=f"{bucket}.s3.{fake.region}.amazonaws.com")
    return bucket, state


@builds("aws:dynamodb/table:Table")
def _table(fake: Fake, name: str, state: dict[str, Any]) -> State:
    arn = f"arn:aws:dynamodb:{fake.region}:{ACCOUNT_ID}:table/{name}"
    label = "2026-11-25T00:00:00.000"
    state.update(arn=arn, streamArn=f"{arn}/stream/{label}", streamLabel=label)
    return name, state


@builds("aws:rds/globalCluster:GlobalCluster")
def _global_cluster(fake: Fake, name: str, state: dict[str, Any]) -> State:
    identifier = state.get("globalClusterIdentifier") or name
    state.update(arn=f"arn:aws:rds::{ACCOUNT_ID}:global-cluster:{identifier}",
                 # Aurora's global writer endpoint follows the writer across switchovers.
                 endpoint=f"{identifier}.global-{_alnum(fake, 12)}.global.rds.amazonaws.com",
                 globalClusterResourceId=f"cluster-{_alnum(fake, 26).upper()}")
    return identifier, state


@builds("aws:rds/cluster:Cluster")
def _cluster(fake: Fake, name: str, state: dict[str, Any]) -> State:
    identifier = state.get("clusterIdentifier") or name
    suffix = _alnum(fake, 12)
    state.update(
        clusterIdentifier=identifier, arn=f"arn:aws:rds:{fake.region}:{ACCOUNT_ID}:cluster:{identifier}",
        endpoint=f"{identifier}.cluster-{suffix}.{fake.region}.rds.amazonaws.com",
        readerEndpoint=f"{identifier}.cluster-ro-{suffix}.{fake.region}.rds.amazonaws.com",
        clusterResourceId=f"cluster-{_alnum(fake, 26).upper()}", port=state.get("port", 5432))
    return identifier, state


@builds("aws:rds/clusterInstance:ClusterInstance")
def _instance(fake: Fake, name: str, state: dict[str, Any]) -> State:
    identifier = state.get("identifier") or name
    state.update(arn=f"arn:aws:rds:{fake.region}:{ACCOUNT_ID}:db:{identifier}",
                 endpoint=f"{identifier}.{_alnum(fake, 12)}.{fake.region}.rds.amazonaws.com",
                 dbiResourceId=f"db-{_alnum(fake, 26).upper()}", writer=True)
    return identifier, state


@builds("aws:rds/subnetGroup:SubnetGroup")
def _subnet_group(fake: Fake, name: str, state: dict[str, Any]) -> State:
    state["arn"] = f"arn:aws:rds:{fake.region}:{ACCOUNT_ID}:subgrp:{name}"
    return name, state


@builds("aws:secretsmanager/secret:Secret")
def _secret(fake: Fake, name: str, state: dict[str, Any]) -> State:
    # Secrets Manager appends six random characters to every secret ARN.
    arn = f"arn:aws:secretsmanager:{fake.region}:{ACCOUNT_ID}:secret:{name}-{_alnum(fake, 6)}"
    state["arn"] = arn
    return arn, state


@builds("aws:backup/vault:Vault")
def _vault(fake: Fake, name: str, state: dict[str, Any]) -> State:
    state.update(arn=f"arn:aws:backup:{fake.region}:{ACCOUNT_ID}:backup-vault:{name}",
                 recoveryPoints=0)
    return name, state


@builds("aws:backup/plan:Plan")
def _plan(fake: Fake, name: str, state: dict[str, Any]) -> State:
    plan_id = fake_uuid(fake.seed)
    state.update(arn=f"arn:aws:backup:{fake.region}:{ACCOUNT_ID}:backup-plan:{plan_id}",
                 version=digest(fake.seed, 32))
    return plan_id, state


@builds("aws:ssm/parameter:Parameter")
def _parameter(fake: Fake, name: str, state: dict[str, Any]) -> State:
    state.update(arn=f"arn:aws:ssm:{fake.region}:{ACCOUNT_ID}:parameter{name}", version=1)
    return name, state


@builds("random:index/randomPassword:RandomPassword")
def _password(fake: Fake, name: str, state: dict[str, Any]) -> State:
    length = int(state.get("length", 32))
    state.update(result=digest("password:" + fake.seed, 64)[:length],
                 bcryptHash="$2a$10$" + digest(fake.seed, 53))
    return "none", state


# The offline world's Aurora: no global cluster runs until a test deploys one (identifier ->
# the engine version AWS runs), and every version is offered unless a test retires it.
RUNNING_GLOBAL_CLUSTERS: dict[str, str] = {}
RETIRED_ENGINE_VERSIONS: set[str] = set()
# Regions whose RDS endpoint does not answer (an outage), for the reads above.
UNREACHABLE_REGIONS: set[str] = set()
# Region -> the error the engine-version read fails with there (throttled, denied...).
ENGINE_VERSION_READ_ERRORS: dict[str, str] = {}


@answers("aws:rds/getGlobalCluster:getGlobalCluster")
def _running_global_cluster(args: dict[str, Any], region: str) -> dict[str, Any]:
    identifier = str(args.get("identifier"))
    if region in UNREACHABLE_REGIONS:
        raise LookupError(f"reading RDS Global Cluster ({identifier}): dial tcp: lookup "
                          f"rds.{region}.amazonaws.com: i/o timeout")
    if identifier not in RUNNING_GLOBAL_CLUSTERS:
        raise LookupError("no matching RDS Global Cluster found")  # the provider's words
    return {"identifier": identifier, "engine": "aurora-postgresql",
            "engineVersion": RUNNING_GLOBAL_CLUSTERS[identifier], "region": region}


@answers("aws:rds/getEngineVersion:getEngineVersion")
def _engine_version(args: dict[str, Any], region: str) -> dict[str, Any]:
    version = str(args.get("version"))
    if region in ENGINE_VERSION_READ_ERRORS:
        raise LookupError(ENGINE_VERSION_READ_ERRORS[region])
    major = version.split(".")[0]
    return {"engine": args.get("engine"), "version": version, "versionActual": version,
            "status": "deprecated" if version in RETIRED_ENGINE_VERSIONS else "available",
            "supportsGlobalDatabases": True,
            "validUpgradeTargets": [f"{major}.{minor}" for minor in (8, 9, 10)], "region": region}
