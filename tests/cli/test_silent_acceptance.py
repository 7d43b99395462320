"""Input that used to be accepted without a word: each is now one line naming the fix."""

from __future__ import annotations

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_USAGE
from shared.cli.deploy import deploy_all
from shared.cli.plan import plan
from shared.config import REPO_ROOT
from shared.settings import SettingsError
from tests.test_settings import _base, refused, settings


def test_a_key_given_twice_in_the_base_file_names_the_key_and_both_lines(monkeypatch, tmp_path):
    text = (REPO_ROOT / "Pulumi.base.yaml").read_text()
    text = text.replace("  prod:\n", "  prod:\n    dr:azCount: 3\n", 1).replace(
        "    dr:backupRetentionDays: 35\n", "    dr:backupRetentionDays: 35\n    dr:azCount: 2\n", 1)
    _base(monkeypatch, tmp_path, text)
    lines = text.splitlines()
    first = lines.index("    dr:azCount: 3") + 1
    second = lines.index("    dr:azCount: 2") + 1
    with pytest.raises(SettingsError) as error:
        settings("prod")
    assert str(error.value) == (f"{tmp_path / 'Pulumi.base.yaml'}:{second}: dr:azCount is given twice "
                                f"in the same map (first on line {first}); keep one")


def test_the_same_key_in_two_maps_is_not_a_duplicate(monkeypatch, tmp_path):
    text = (REPO_ROOT / "Pulumi.base.yaml").read_text().replace("  staging: {}\n",
                                                                "  staging:\n    dr:azCount: 3\n")
    _base(monkeypatch, tmp_path, text.replace("  dev: {}\n", "  dev:\n    dr:azCount: 3\n"))
    assert settings("staging").az_count == 3


@pytest.mark.parametrize("path", ["/" + "a" * 100_000, "/" + "a" * 128, "/health*", "/health?x=1",
                                  "/héalth"])
def test_a_health_path_alb_or_route_53_would_refuse_or_misread_is_refused(path):
    refused(r"^dr:healthCheckPath: .* is not a usable health path: at most 128 characters",
            healthCheckPath=path)


def test_a_long_health_path_is_shown_cut_short():
    with pytest.raises(SettingsError) as error:
        settings(healthCheckPath="/" + "a" * 100_000)
    assert len(str(error.value)) < 250 and "(100001 characters)" in str(error.value)


def test_the_longest_allowed_health_path_passes():
    assert settings(healthCheckPath="/" + "a" * 127).health_check_path == "/" + "a" * 127


def test_an_environment_tag_override_is_refused_not_dropped():
    refused(r"^dr:tags: Environment: 'production' cannot be set, it is always the environment's name; "
            r"remove Environment from dr:tags$", tags='{"Environment": "production", "Team": "data"}')


@pytest.mark.parametrize("tags", ['{"Environment": null}', {"Environment": None, "Team": "data"}])
def test_an_environment_tag_set_to_null_is_refused_not_ignored(tags):
    # null removes a tag elsewhere; Environment is always the environment's name, never removed.
    refused(r"^dr:tags: Environment: null cannot be set, it is always the environment's name; "
            r"remove Environment from dr:tags$", tags=tags)


def test_an_environment_tag_set_to_null_in_the_base_file_is_refused(monkeypatch, tmp_path):
    text = (REPO_ROOT / "Pulumi.base.yaml").read_text()
    staging = "  staging:\n    dr:tags: {Environment: null}\n"
    _base(monkeypatch, tmp_path, text.replace("  staging: {}\n", staging))
    with pytest.raises(SettingsError, match=r"^dr:tags: Environment: null cannot be set"):
        settings("staging")


@pytest.mark.parametrize("value", ["", " , "])
def test_an_empty_layer_selection_is_refused_not_everything(value):
    with pytest.raises(Exit) as stopped:
        plan(Context(), env="dev", layer=value)
    assert stopped.value.code == EXIT_USAGE
    assert str(stopped.value.message).startswith(f"error: --layer {value!r} names no layer; give one")


@pytest.mark.parametrize(("options", "start"), [({"parallel": 0}, "error: --parallel must be 1 or more"),
                                                ({"from_": ""}, "error: --from '' names no layer"),
                                                ({"only": ""}, "error: --only '' names no layer")])
def test_deploy_all_refuses_an_empty_selection_and_parallel_0(standin, options, start):
    with pytest.raises(Exit) as stopped:
        deploy_all(Context(), env="dev", yes=True, backend=standin.backend, **options)
    assert stopped.value.code == EXIT_USAGE and str(stopped.value.message).startswith(start)
    assert standin.ran("up") == []
