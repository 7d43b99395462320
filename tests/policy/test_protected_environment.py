"""A protected environment is declared in Pulumi.base.yaml; a --set or layer file cannot make the
guardrails judge it unprotected (`check --env prod --set dr:protectData=false` passed with 0)."""

from __future__ import annotations

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.check import check
from shared.config import declared_protected, settings_for
from shared.policy import Context as PolicyContext


def test_prod_is_declared_protected_and_dev_is_not():
    assert declared_protected("prod") and not declared_protected("dev")


def test_an_override_cannot_unprotect_prod_in_the_guardrails_eyes():
    unprotected = settings_for("prod", {"dr:protectData": "false"})
    assert unprotected.protect_data is False  # what the layers would build
    assert PolicyContext.from_settings(unprotected).protect_data is True  # what is required
    assert PolicyContext.from_settings(settings_for("dev")).protect_data is False


def test_check_prod_with_protection_set_off_fails_on_the_data_it_would_expose(capsys):
    with pytest.raises(Exit) as stopped:
        check(Context(), env="prod", set_=["dr:protectData=false"])
    assert stopped.value.code == 1
    failed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if " FAIL " in line}
    assert "deletion-protection" in failed
