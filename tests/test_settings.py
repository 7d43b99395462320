"""Every settings rule, as plain Python: a bad value is refused with a message naming the key."""

import pytest

from shared.config import REPO_ROOT, layer_settings, merge_config, settings_for
from shared.settings import Settings, SettingsError

BASE = {"config": {"dr:primaryRegion": "us-east-1"},
        "environments": {"dev": {}, "prod": {"dr:protectData": True}}}


def settings(environment: str = "dev", **overrides: object) -> Settings:
    return settings_for(environment, {f"dr:{k}": v for k, v in overrides.items()})


def refused(match: str, environment: str = "dev", **overrides: object) -> None:
    with pytest.raises(SettingsError, match=match):
        settings(environment, **overrides)


def test_defaults_come_from_the_base_file():
    dev = settings()
    assert (dev.primary_region, dev.secondary_region) == ("us-east-1", "us-east-2")
    assert (dev.aurora_min_acu, dev.aurora_max_acu) == (0.5, 1.0)
    assert dev.az_count == 2 and dev.backup_retention_days == 7
    assert dev.protect_data is False and dev.traffic_mode == "active-passive"


def test_prod_is_protected_by_its_environment_override():
    assert settings("prod").protect_data is True
    assert settings("staging").protect_data is False


def test_merge_order_is_base_then_environment_then_stack():
    assert merge_config("prod", {}, BASE)["dr:protectData"] is True
    assert merge_config("prod", {"dr:protectData": "false"}, BASE)["dr:protectData"] == "false"
    assert merge_config("dev", {"aws:region": "x"}, BASE) == {"dr:primaryRegion": "us-east-1"}


def test_string_values_from_pulumi_config_are_parsed():
    parsed = settings(azCount="3", auroraMaxAcu="2.5", protectData="TRUE", tags='{"Team": "p"}')
    assert (parsed.az_count, parsed.aurora_max_acu, parsed.protect_data) == (3, 2.5, True)
    assert parsed.resource_tags["Team"] == "p"


@pytest.mark.parametrize(("overrides", "match"), [
    ({"primaryVpcCidr": "10.10.0/16"}, r"dr:primaryVpcCidr: '10.10.0/16' is not an IPv4 CIDR"),
    ({"primaryVpcCidr": "10.10.0.1/16"}, r"host bits set; use 10.10.0.0/16"),
    ({"secondaryVpcCidr": "10.20.0.0/26"}, r"dr:secondaryVpcCidr: /26 is outside"),
    ({"primaryVpcCidr": "10.10.0.0/24"}, r"dr:primaryVpcCidr: /24 is outside .* /16 to /23 "
                                         r"\(a /24 leaves the internal ALB too few"),
    ({"auroraMinAcu": "0"}, r"dr:auroraMinAcu: 0.0 turns on Aurora auto-pause.*use at least 0.5"),
    ({"primaryVpcCidr": "10.0.0.0/8"}, r"/8 is outside"),
    ({"primaryVpcCidr": "127.0.0.0/16"}, r"special-purpose range, not one for a VPC"),
    ({"secondaryVpcCidr": "10.10.128.0/17"}, r"dr:secondaryVpcCidr: .* overlaps dr:primaryVpcCidr"),
    ({"primaryRegion": "us-east-9"}, r"dr:primaryRegion: unknown AWS region 'us-east-9'; did you mean"),
    ({"secondaryRegion": "us-east-1"}, r"dr:secondaryRegion: is the same region"),
    ({"auroraMinAcu": "0.3"}, r"dr:auroraMinAcu: .* steps of 0.5"),
    ({"auroraMaxAcu": "300"}, r"dr:auroraMaxAcu: .* 0 to 256"),
    ({"auroraMaxAcu": "0.5"}, r"dr:auroraMaxAcu: .* use at least 1.0"),
    ({"auroraMinAcu": "4", "auroraMaxAcu": "2"}, r"dr:auroraMinAcu: 4.0 is above dr:auroraMaxAcu"),
    ({"backupRetentionDays": "0"}, r"dr:backupRetentionDays: 0 is out of range"),
    ({"backupRetentionDays": "1.5"}, r"not a whole number"),
    ({"azCount": "4"}, r"dr:azCount: '4' is not allowed; use 2 or 3"),
    ({"protectData": "yes"}, r"dr:protectData: 'yes' is not a boolean"),
    ({"trafficMode": "active"},
     r"dr:trafficMode: 'active' is not allowed; use active-passive or active-active"),
    ({"healthCheckIntervalSeconds": "15"}, r"use 10 or 30"),
    ({"healthCheckPath": "health"}, r"dr:healthCheckPath: .* start it with /"),
    ({"logRetentionDays": "8"}, r"dr:logRetentionDays"),
    ({"apiThrottleRateLimit": "0"}, r"dr:apiThrottleRateLimit: 0 is out of range"),
    ({"apiThrottleBurstLimit": "6000"}, r"dr:apiThrottleBurstLimit: 6000 is out of range"),
    ({"healthReservedConcurrency": "2"}, r"dr:healthReservedConcurrency: 2 is out of range"),
    ({"healthReservedConcurrency": "500"}, r"dr:healthReservedConcurrency: 500 is out of range"),
    ({"alertEmail": "oncall-at-example"}, r"dr:alertEmail: .* not an e-mail"),
    ({"hostedZoneId": "zone1"}, r"dr:hostedZoneId: .* hosted zone ID"),
    ({"primaryDomain": "api.example.com"}, r"dr:primaryDomain: is set without a certificate; set "
                                           r"dr:primaryCertificateArn to an ACM certificate in us-east-1"),
    ({"secondaryCertificateArn": "arn:aws:acm:us-east-2:123456789012:certificate/"
                                 "0e2f2f6f-1111-2222-3333-444455556666"}, r"is set without a domain"),
    ({"primaryDomain": "api.example.com", "primaryCertificateArn": "arn:aws:acm:us-east-1:12:cert/x"},
     r"dr:primaryCertificateArn: .* not an ACM certificate ARN"),
    ({"primaryDomain": "api.example.com",
      "primaryCertificateArn": "arn:aws:acm:us-west-2:123456789012:certificate/"
                               "0e2f2f6f-1111-2222-3333-444455556666"},
     r"dr:primaryCertificateArn: is in us-west-2, not us-east-1"),
    ({"primaryDomain": "not a domain", "primaryCertificateArn": "x"}, r"dr:primaryDomain: .* not a domain"),
    ({"tags": "[1, 2]"}, r"dr:tags: is not a map"),
    ({"trafficMod": "active-active"},
     r"dr:trafficMod: is not a known setting; did you mean dr:trafficMode\?"),
])
def test_bad_values_are_refused_naming_the_key(overrides, match):
    refused(match, **overrides)


@pytest.mark.parametrize(("environment", "match"), [
    ("Prod", "not a valid name"),
    ("my_env", "not a valid name"),
    ("9lives", "not a valid name"),
    ("dev-", "not a valid name"),
    ("a--b", "not a valid name"),
    ("a-very-long-environment", "is 23 characters.*at most 16"),
])
def test_environment_names_must_fit_bucket_and_load_balancer_names(environment, match):
    with pytest.raises(SettingsError, match=f"environment: .*{match}"):
        settings(environment)


def test_a_missing_required_key_says_where_to_set_it():
    with pytest.raises(SettingsError, match="dr:secondaryRegion: is missing"):
        Settings.from_config("dev", {"dr:primaryRegion": "us-east-1"})


def test_domains_with_certificates_in_their_own_region_are_accepted():
    cert = "arn:aws:acm:{}:123456789012:certificate/0e2f2f6f-1111-2222-3333-444455556666"
    ok = settings(primaryDomain="API.example.com.", primaryCertificateArn=cert.format("us-east-1"),
                  secondaryDomain="api2.example.com", secondaryCertificateArn=cert.format("us-east-2"),
                  appPort="443")
    assert ok.primary_domain == "api.example.com" and ok.domains_configured
    assert ok.regional("secondary").certificate_arn == cert.format("us-east-2")


def test_a_layer_file_wins_over_the_environment_and_set_wins_over_both(stacks):
    (stacks / "data" / "Pulumi.prod.yaml").write_text(
        "config:\n  dr:backupRetentionDays: 10\n  dr:protectData: false\n")
    assert layer_settings("data", "prod").backup_retention_days == 10
    assert layer_settings("data", "prod").protect_data is False
    assert layer_settings("data", "prod", {"dr:backupRetentionDays": "12"}).backup_retention_days == 12
    assert layer_settings("compute", "prod").backup_retention_days == 35


def _base(monkeypatch, tmp_path, text: str) -> None:
    import shared.config

    path = tmp_path / "Pulumi.base.yaml"
    path.write_text(text)
    monkeypatch.setattr(shared.config, "BASE_FILE", path)


def test_an_undeclared_environment_is_refused_with_the_line_to_add():
    with pytest.raises(SettingsError) as refused:
        settings("prd")
    assert str(refused.value) == ("unknown environment 'prd': did you mean prod? declare it under "
                                  "environments: in Pulumi.base.yaml (e.g. `  prd: {}`)")
    for declared in ("dev", "staging", "prod"):
        assert settings(declared).environment == declared


def test_an_empty_environment_block_declares_it(monkeypatch, tmp_path):
    _base(monkeypatch, tmp_path, (REPO_ROOT / "Pulumi.base.yaml").read_text() + "  qa: {}\n  perf:\n")
    assert settings("qa").protect_data is False and settings("perf").environment == "perf"


@pytest.mark.parametrize(("block", "match"), [
    ("    dr:protectdata: true\n", r"environments\.prod: dr:protectdata: is not a known setting; did you "
                                   r"mean dr:protectData\?"),
    ("    protectData: true\n", r"environments\.prod: 'protectData' has no dr: prefix; write dr:protectData"),
])
def test_a_wrong_key_in_an_environment_block_is_refused(monkeypatch, tmp_path, block, match):
    text = (REPO_ROOT / "Pulumi.base.yaml").read_text().replace("  prod:\n", "  prod:\n" + block)
    _base(monkeypatch, tmp_path, text)
    with pytest.raises(SettingsError, match=match):
        settings("dev")


def test_invalid_yaml_in_the_base_file_names_file_line_and_column(monkeypatch, tmp_path):
    _base(monkeypatch, tmp_path, "config:\n  dr:azCount: 2\n  dr:tags: [a\n")
    with pytest.raises(SettingsError, match=r"Pulumi\.base\.yaml:4:1: not valid YAML \(.*\); fix the file"):
        settings()


def test_a_missing_base_file_says_how_to_restore_it(monkeypatch, tmp_path):
    import shared.config

    monkeypatch.setattr(shared.config, "BASE_FILE", tmp_path / "Pulumi.base.yaml")
    with pytest.raises(SettingsError, match=r"Pulumi\.base\.yaml not found: .*git checkout -- "):
        settings()


@pytest.mark.parametrize(("text", "match"), [
    ("config:\n  dr:azCount 3\n  x: [\n", r"stacks/data/Pulumi\.dev\.yaml:3:\d+: not valid YAML"),
    ("config:\n  protectData: true\n",
     r"stacks/data/Pulumi\.dev\.yaml config: 'protectData' has no dr: prefix \(Pulumi reads it as "
     r"data:protectData, which nothing uses\); write dr:protectData"),
    ("config:\n  data:azCount: 3\n", r"'data:azCount' has no dr: prefix"),
    ("config:\n  dr:alertEmail:\n    secure: v1:abc\n", r"dr:alertEmail is encrypted"),
])
def test_a_wrong_layer_file_is_one_line_naming_it(stacks, text, match):
    (stacks / "data" / "Pulumi.dev.yaml").write_text(text)
    with pytest.raises(SettingsError, match=match):
        layer_settings("data", "dev")


def test_layer_files_keep_pulumi_s_own_keys_and_objects(stacks):
    (stacks / "data" / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  data:note: kept\n  dr:tags:\n    Team: data\n  dr:azCount: 3\n")
    parsed = layer_settings("data", "dev")
    assert parsed.az_count == 3 and parsed.tags["Team"] == "data"


def test_tags_add_to_the_base_tags_and_null_removes_one(monkeypatch, tmp_path):
    text = (REPO_ROOT / "Pulumi.base.yaml").read_text().replace(
        "  staging: {}\n", "  staging:\n    dr:tags:\n      CostCenter: '42'\n      ManagedBy: null\n")
    _base(monkeypatch, tmp_path, text)
    assert settings("staging").tags == {"Project": "multi-region-dr", "CostCenter": "42"}
    assert settings("dev", tags='{"Team": "p"}').tags == {
        "Project": "multi-region-dr", "ManagedBy": "pulumi", "Team": "p"}
    assert settings("dev", tags='{"Project": null}').resource_tags == {"ManagedBy": "pulumi",
                                                                         "Environment": "dev"}


def test_program_settings_merge_the_same_way(stacks, monkeypatch):
    # What `pulumi up` hands the program: the layer file's values as text, objects as JSON.
    from shared.config import read_layer_file

    (stacks / "data" / "Pulumi.dev.yaml").write_text(
        "config:\n  dr:tags:\n    Team: data\n  dr:protectData: true\n")
    given = read_layer_file("data", "dev")
    assert given == {"dr:tags": '{"Team": "data"}', "dr:protectData": "true"}
    assert settings_for("dev", given) == layer_settings("data", "dev")


def test_one_region_s_aurora_range_is_raised_alone():
    settings = settings_for("dev", {"dr:secondaryAuroraMaxAcu": "16", "dr:secondaryAuroraMinAcu": "2"})
    assert settings.aurora_range("secondary") == (2, 16)
    assert settings.aurora_range("primary") == (settings.aurora_min_acu, settings.aurora_max_acu)


@pytest.mark.parametrize("key, value, match", [
    # Lowering one region would lower the writer's capacity after a failover to it.
    ("dr:secondaryAuroraMaxAcu", "0.5",
     r"^dr:secondaryAuroraMaxAcu: 0.5 is below dr:auroraMaxAcu \(1.0\); a region's own range only raises it"),
    ("dr:primaryAuroraMinAcu", "0", r"^dr:primaryAuroraMinAcu: 0.0 is below dr:auroraMinAcu"),
    ("dr:secondaryAuroraMinAcu", "64", r"^dr:secondaryAuroraMinAcu: 64.0 is above secondary's maximum"),
])
def test_a_regional_aurora_range_that_lowers_or_inverts_is_one_line(key, value, match):
    with pytest.raises(SettingsError, match=match):
        settings_for("dev", {key: value})
