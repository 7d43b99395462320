"""The Aurora engine version over time: AWS stops offering the pin, AWS upgrades a running
database, and the end of standard support is decided by a setting, not by AWS's default."""

import pytest

from shared.components.engine_version import ENGINE_VERSION, newer_in_same_major
from shared.cost.book import load_price_book
from shared.cost.estimate import estimate
from shared.plan.fakes import data as fakes
from shared.plan.plan import build_plan
from shared.plan.runtime import LayerFailed
from tests.support import resources

AURORA = ("aws:rds/globalCluster:GlobalCluster", "aws:rds/cluster:Cluster")


def data_plan(environment="dev"):
    return build_plan(environment, {}, layers=["data"])


def aurora(plan):
    return [r for token in AURORA for r in resources(plan, "data", token)]


def test_a_version_aws_no_longer_offers_stops_a_new_environment_before_any_resource(monkeypatch):
    monkeypatch.setattr(fakes, "RETIRED_ENGINE_VERSIONS", {ENGINE_VERSION})
    with pytest.raises(LayerFailed) as error:
        data_plan()
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"aurora-postgresql {ENGINE_VERSION} is deprecated in us-east-1")
    assert message.endswith("raise ENGINE_VERSION in shared/components/engine_version.py "
                            "(same major: 16.8, 16.9, 16.10)")


def test_a_running_database_is_not_refused_when_its_version_is_retired(monkeypatch):
    monkeypatch.setattr(fakes, "RETIRED_ENGINE_VERSIONS", {ENGINE_VERSION})
    monkeypatch.setattr(fakes, "RUNNING_GLOBAL_CLUSTERS", {"dr-aurora-dev": ENGINE_VERSION})
    assert {r["inputs"]["engineVersion"] for r in aurora(data_plan())} == {ENGINE_VERSION}


def test_after_aws_upgrades_the_database_a_redeploy_does_not_downgrade_it(monkeypatch):
    major = ENGINE_VERSION.split(".")[0]
    monkeypatch.setattr(fakes, "RUNNING_GLOBAL_CLUSTERS", {"dr-aurora-dev": f"{major}.10"})
    plan = data_plan()
    assert {r["inputs"]["engineVersion"] for r in aurora(plan)} == {f"{major}.10"}


def test_with_the_primary_region_down_the_secondary_answers_for_the_global_cluster(monkeypatch):
    # A deploy during an outage (invoke deploy-all --region-down) must not stop on this read.
    major = ENGINE_VERSION.split(".")[0]
    monkeypatch.setattr(fakes, "RUNNING_GLOBAL_CLUSTERS", {"dr-aurora-dev": f"{major}.10"})
    monkeypatch.setattr(fakes, "UNREACHABLE_REGIONS", {"us-east-1"})
    assert {r["inputs"]["engineVersion"] for r in aurora(data_plan())} == {f"{major}.10"}


def test_with_no_region_answering_the_pin_is_kept_with_a_warning(monkeypatch):
    monkeypatch.setattr(fakes, "UNREACHABLE_REGIONS", {"us-east-1", "us-east-2"})
    plan = data_plan()
    assert {r["inputs"]["engineVersion"] for r in aurora(plan)} == {ENGINE_VERSION}
    assert any("could not read global cluster dr-aurora-dev" in w for w in plan.layer("data").warnings)


def test_versions_compare_by_number_within_one_major():
    assert newer_in_same_major("16.10", "16.9") and not newer_in_same_major("16.6", "16.6")
    assert not newer_in_same_major("17.1", "16.6")  # a major upgrade is the team's decision


@pytest.mark.parametrize(("environment", "lifecycle"), [
    ("dev", "open-source-rds-extended-support-disabled"),
    ("prod", "open-source-rds-extended-support")])
def test_extended_support_is_decided_by_the_setting_on_every_member(environment, lifecycle):
    plan = data_plan(environment)
    members = aurora(plan)
    assert len(members) == 3 and {r["inputs"]["engineLifecycleSupport"] for r in members} == {lifecycle}
    result = estimate(environment, [(run.name, run.resources) for run in plan.runs], load_price_book())
    listed = "aurora-extended-support-acu-hour" in {line.charge for line in result.usage}
    assert listed is (environment == "prod")  # priced where the database enrols in it
    # ModifyGlobalCluster cannot change it: a later change of the setting reaches the members.
    [global_cluster] = resources(plan, "data", AURORA[0])
    assert global_cluster["ignore_changes"] == ["engineLifecycleSupport"]


def test_after_rds_upgrades_the_major_a_redeploy_keeps_it_and_says_the_pin_is_behind(monkeypatch):
    # dr:auroraExtendedSupport false lets RDS move the database to the next major at the end of
    # standard support; after a refresh the pin would be a downgrade ModifyGlobalCluster refuses.
    major = int(ENGINE_VERSION.split(".")[0])
    monkeypatch.setattr(fakes, "RUNNING_GLOBAL_CLUSTERS", {"dr-aurora-dev": f"{major + 1}.2"})
    plan = data_plan()
    assert {r["inputs"]["engineVersion"] for r in aurora(plan)} == {f"{major + 1}.2"}
    [layer] = [run for run in plan.runs if run.name == "data"]
    assert any(f"a major version above ENGINE_VERSION {ENGINE_VERSION}: kept" in w for w in layer.warnings)


def test_an_older_major_running_is_not_kept(monkeypatch):
    # Raising the pin across a major is how an operator upgrades: the pin wins.
    major = int(ENGINE_VERSION.split(".")[0])
    monkeypatch.setattr(fakes, "RUNNING_GLOBAL_CLUSTERS", {"dr-aurora-dev": f"{major - 1}.9"})
    assert {r["inputs"]["engineVersion"] for r in aurora(data_plan())} == {ENGINE_VERSION}


def test_a_failed_engine_version_read_is_not_reported_as_a_retired_version(monkeypatch):
    monkeypatch.setattr(fakes, "ENGINE_VERSION_READ_ERRORS",
                        {"us-east-1": "reading RDS Engine Versions: ThrottlingException: Rate exceeded"})
    with pytest.raises(LayerFailed) as error:
        data_plan()
    message = str(error.value)
    assert "no longer lists" not in message and "raise ENGINE_VERSION" not in message
    assert message.startswith(f"could not read the aurora-postgresql {ENGINE_VERSION} engine version "
                              "in us-east-1 (")
    assert "ThrottlingException: Rate exceeded" in message
    assert message.endswith("; retry once RDS answers there")


def test_a_version_aws_does_not_list_at_all_names_the_pin_to_raise(monkeypatch):
    monkeypatch.setattr(fakes, "ENGINE_VERSION_READ_ERRORS",
                        {"us-east-1": "no matching RDS Engine Version found"})
    with pytest.raises(LayerFailed, match=f"AWS no longer lists aurora-postgresql {ENGINE_VERSION} in "):
        data_plan()
