"""Where settings come from: the one merge of base file, environment overrides and stack config."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
BASE_FILE = REPO_ROOT / "Pulumi.base.yaml"


@cache
def load_base(path: Path = BASE_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    if not isinstance(document.get("config", {}), dict):
        raise ValueError(f"{path}: 'config' must be a map of dr:<key>: value")
    return document


def merge_config(environment: str, stack_config: Mapping[str, Any] | None = None,
                 base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """base `config` < base `environments.<env>` < the layer's own stack config (dr: keys)."""
    document = load_base() if base is None else base
    merged: dict[str, Any] = dict(document.get("config") or {})
    merged.update((document.get("environments") or {}).get(environment) or {})
    merged.update({k: _decode(v) for k, v in (stack_config or {}).items() if k.startswith("dr:")})
    return merged


def _decode(value: Any) -> Any:
    # `pulumi config set --path`/objects reach the program as JSON text.
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def settings_for(environment: str, stack_config: Mapping[str, Any] | None = None) -> Settings:
    return Settings.from_config(environment, merge_config(environment, stack_config))


def runtime_config() -> dict[str, Any]:
    """Every config key the running Pulumi program was given (the SDK has no public lister)."""
    from pulumi.runtime import config as runtime

    values: dict[str, Any] = dict(json.loads(os.environ.get("PULUMI_CONFIG", "{}") or "{}"))
    values.update(runtime.CONFIG.get())
    return values


def current_settings() -> Settings:
    """Settings of the running layer program; a bad value stops it with the one-line message."""
    import pulumi

    from shared.settings import SettingsError

    try:
        return settings_for(pulumi.get_stack(), runtime_config())
    except SettingsError as error:
        raise pulumi.RunError(str(error)) from None
