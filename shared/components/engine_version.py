"""The Aurora engine version a global database is deployed with, checked against AWS first.

The version is pinned in code and lives on the global cluster (the one upgrade path AWS allows
for a global database). Two things happen to a pin over time, and both would stop a deploy
half-way on real AWS:
- AWS stops offering it: a new environment fails at CreateGlobalCluster. Checked before any
  resource, with the versions it can move to.
- AWS upgrades a running database (a mandatory minor upgrade at a version's end of life): the
  pin is then a downgrade, which ModifyGlobalCluster refuses. The version already running wins
  when it is newer within the same major version.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

ENGINE = "aurora-postgresql"
# Aurora PostgreSQL 16 supports global databases and Serverless v2 in every region here, and
# the RDS Data API the drills use (16.1+).
ENGINE_VERSION = "16.6"
# What the Extended Support setting means to RDS (CreateGlobalCluster / CreateDBCluster
# EngineLifecycleSupport). Unset, RDS enrols the database in paid Extended Support silently at
# the end of standard support (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/
# extended-support-charges.html); disabled, RDS upgrades it to a supported major version then.
LIFECYCLE_SUPPORT = {True: "open-source-rds-extended-support",
                     False: "open-source-rds-extended-support-disabled"}


def version_key(version: str) -> tuple[int, ...]:
    """16.10 sorts after 16.9: versions compare by number, not as text."""
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def newer_in_same_major(live: str, pinned: str) -> bool:
    live_key, pinned_key = version_key(live), version_key(pinned)
    return live_key[:1] == pinned_key[:1] and live_key > pinned_key


def not_found(error: Exception) -> bool:
    """terraform-provider-aws reports a singular data source's missing resource as "no matching
    <type> found" (tfresource.SingularDataSourceFindError); anything else is a failed read."""
    return "no matching" in str(error).lower()


class Unreadable(Exception):
    """No region answered: the version AWS runs is unknown (a region is down)."""


def running_version(identifier: str, regions: Sequence[str], parent: pulumi.Resource) -> str | None:
    """The version the deployed global cluster runs, or None when there is none yet. Any member
    region answers for a global cluster, so a region that is down is skipped."""
    for region in regions:
        try:
            found = aws.rds.get_global_cluster(identifier=identifier, region=region,
                                               opts=pulumi.InvokeOptions(parent=parent))
        except Exception as error:
            if not_found(error):
                return None
            continue  # unreachable or refused: ask the next region
        return str(found.engine_version) or None
    raise Unreadable(identifier)


def deployable_version(identifier: str, regions: Sequence[str], parent: pulumi.Resource) -> str:
    """ENGINE_VERSION, or the newer one AWS already runs; refuses a version AWS no longer
    offers for a global database before anything is created. `regions`: the primary first."""
    region = regions[0]
    try:
        live = running_version(identifier, regions, parent)
    except Unreadable:
        # A deploy while a region is down updates what exists; nothing asks for a new cluster.
        pulumi.log.warn(f"could not read global cluster {identifier} in {', '.join(regions)}: "
                        f"deploying with the pinned {ENGINE_VERSION}", parent)
        return ENGINE_VERSION
    if live and version_key(live) > version_key(ENGINE_VERSION):
        # A downgrade is never possible. A newer major comes from RDS itself when standard
        # support ends and dr:auroraExtendedSupport is false: keep it, and say the pin is behind.
        if not newer_in_same_major(live, ENGINE_VERSION):
            pulumi.log.warn(f"global cluster {identifier} runs {ENGINE} {live}, a major version above "
                            f"ENGINE_VERSION {ENGINE_VERSION}: kept; raise ENGINE_VERSION in "
                            "shared/components/engine_version.py to match", parent)
        return live
    if live:
        return ENGINE_VERSION  # running: whatever AWS offers now, nothing is created
    try:
        offered = aws.rds.get_engine_version(
            engine=ENGINE, version=ENGINE_VERSION, include_all=True, region=region,
            opts=pulumi.InvokeOptions(parent=parent))
    except Exception as error:
        if not not_found(error):
            # Throttled, denied or unreachable says nothing about the version: do not send the
            # operator to change a pin that is fine.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise pulumi.RunError(f"could not read the {ENGINE} {ENGINE_VERSION} engine version in {region} "
                                  f"({reason}); retry once RDS answers there") from None
        raise pulumi.RunError(
            f"AWS no longer lists {ENGINE} {ENGINE_VERSION} in {region}; raise ENGINE_VERSION in "
            "shared/components/engine_version.py to a version `aws rds describe-db-engine-versions "
            f"--engine {ENGINE}` lists with SupportsGlobalDatabases") from None
    if offered.status != "available" or not offered.supports_global_databases:
        major = version_key(ENGINE_VERSION)[:1]
        targets = ", ".join(sorted((t for t in offered.valid_upgrade_targets
                                    if version_key(t)[:1] == major), key=version_key)) or "a newer version"
        why = (f"is {offered.status}" if offered.status != "available"
               else "does not support global databases")
        raise pulumi.RunError(
            f"{ENGINE} {ENGINE_VERSION} {why} in {region}, so a new global database cannot be "
            f"created with it; raise ENGINE_VERSION in shared/components/engine_version.py "
            f"(same major: {targets})")
    return ENGINE_VERSION
