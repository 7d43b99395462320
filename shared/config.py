"""Where settings come from: the one merge every reader uses.

Pulumi.base.yaml `config` < its `environments.<env>` < the layer's own stacks/<layer>/Pulumi.<env>.yaml
(or `pulumi config set dr:<key>`) < `--set` overrides of one invoke run. `invoke plan`, `invoke
check`, deploy-all's preflight and the layer programs all call `merge_config`, so the plan is
built from the values `pulumi up` will use.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.settings import KEYS, Settings, SettingsError, check_environment, unknown_key

REPO_ROOT = Path(__file__).resolve().parent.parent
# The Lambda handler sources: packaged by the compute layer, read by DR operations.
HANDLERS_DIR = REPO_ROOT / "stacks" / "compute" / "handlers"
# The recovery layer's custom-action function, packaged alone the same way.
RECOVERY_HANDLERS_DIR = REPO_ROOT / "stacks" / "recovery" / "handlers"
BASE_FILE = REPO_ROOT / "Pulumi.base.yaml"
STACKS_DIR = REPO_ROOT / "stacks"
TAGS = "dr:tags"
_NAMES = {key.removeprefix("dr:"): key for key in KEYS}


def runs_root() -> Path:
    """Where runs leave their files: layer logs, the failover progress file, drill and proof
    reports, the plan cache. `.runs/` in the repository (gitignored) unless DR_RUNS_DIR says
    otherwise; read at each use, so every task and its child processes agree."""
    return Path(os.environ.get("DR_RUNS_DIR") or REPO_ROOT / ".runs")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


class _DuplicateKey(yaml.YAMLError):
    pass


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a key given twice in one map is an error: YAML requires keys to
    be unique (YAML 1.2, 3.2.1.1), and PyYAML silently keeps the last value."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, Hashable):
                continue  # PyYAML's own error names an unhashable key
            if key in seen:
                raise _DuplicateKey(f"{line}: {key} is given twice in the same map (first on line "
                                    f"{seen[key]}); keep one")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    """A YAML document; invalid YAML is one line naming the file, line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{_shown(path)} not found: it holds the settings of every layer and "
                            "environment; restore it (git checkout -- Pulumi.base.yaml)") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as error:
        raise SettingsError(f"{_shown(path)}:{error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise SettingsError(f"{_shown(path)}{where}: not valid YAML ({problem}); fix the file") from None


def _check_keys(where: str, block: Any, project: str | None = None) -> dict[str, Any]:
    """A block of `dr:` settings; a key without its prefix or an unknown key is named."""
    if block is None:
        return {}
    if not isinstance(block, Mapping):
        raise SettingsError(f"{where}: must be a map of dr:<key>: value, not {type(block).__name__}")
    for key in block:
        name = str(key)
        if name.startswith("dr:"):
            if name not in KEYS:
                raise SettingsError(f"{where}: {unknown_key(name)}", name)
            continue
        namespace, colon, bare = name.rpartition(":")
        if project is not None and colon and (namespace != project or bare not in _NAMES):
            continue  # aws:region and other namespaces' keys are Pulumi's, not ours
        fix = (f"write {_NAMES[bare]}" if bare in _NAMES
               else "settings are dr:<key> (docs/platform/settings.md)")
        read_as = f" (Pulumi reads it as {project}:{bare}, which nothing uses)" if project else ""
        raise SettingsError(f"{where}: {name!r} has no dr: prefix{read_as}; {fix}", name)
    return dict(block)


def _base_document(path: Path) -> dict[str, Any]:
    document = _read_yaml(path) or {}
    if not isinstance(document, Mapping):
        raise SettingsError(f"{_shown(path)}: must be a map with `config:` and `environments:`")
    environments = document.get("environments") or {}
    if not isinstance(environments, Mapping):
        raise SettingsError(f"{_shown(path)}: `environments:` must map each environment to its "
                            "overrides, e.g. `  dev: {}`")
    return {
        "config": _check_keys(f"{_shown(path)} config", document.get("config")),
        "environments": {str(name): _check_keys(f"{_shown(path)} environments.{name}", block)
                         for name, block in environments.items()},
    }


@cache
def _cached_base(path: Path, version: tuple[int, int]) -> dict[str, Any]:
    return _base_document(path)


def load_base(path: Path | None = None) -> dict[str, Any]:
    """Pulumi.base.yaml, its keys checked; read again whenever the file changes."""
    path = path or BASE_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return _base_document(path)  # raises the one-line "not found"
    return _cached_base(path, (stat.st_mtime_ns, stat.st_size))


def layer_file(layer: str, environment: str) -> Path:
    return STACKS_DIR / layer / f"Pulumi.{environment}.yaml"


def _as_pulumi_gives_it(value: Any) -> Any:
    # A Pulumi program receives every config value as text, objects as JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return json.dumps(value)
    return str(value)


def read_layer_file(layer: str, environment: str) -> dict[str, Any]:
    """The `dr:` keys of stacks/<layer>/Pulumi.<env>.yaml as `pulumi up` passes them to the program."""
    path = layer_file(layer, environment)
    if not path.is_file():
        return {}
    document = _read_yaml(path) or {}
    config = document.get("config") if isinstance(document, Mapping) else None
    values = _check_keys(f"{_shown(path)} config", config, project=layer)
    result: dict[str, Any] = {}
    for key, value in values.items():
        if not str(key).startswith("dr:") or value is None:
            continue
        if isinstance(value, Mapping) and "secure" in value:
            raise SettingsError(f"{_shown(path)}: {key} is encrypted; dr: settings are not secrets "
                                "and invoke plan/check must read them to plan what deploys: "
                                f"set it in plain text (pulumi config set {key} <value>)", key)
        result[key] = _as_pulumi_gives_it(value)
    return result


def _decode(value: Any) -> Any:
    # `pulumi config set --path`/objects reach the program as JSON text.
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _merge_tags(current: Any, value: Any) -> Any:
    """A tag map adds to the tags before it; a tag set to null removes it."""
    if isinstance(current, Mapping) and isinstance(value, Mapping):
        return {**current, **value}
    return value


def declared(environment: str, document: Mapping[str, Any]) -> Mapping[str, Any]:
    """The environment's overrides; an environment not declared in the base file is refused."""
    check_environment(environment)
    environments = document.get("environments") or {}
    if environment in environments:
        return environments[environment] or {}
    import difflib

    close = difflib.get_close_matches(environment, list(environments), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise SettingsError(f"unknown environment {environment!r}: {hint}declare it under environments: "
                        f"in Pulumi.base.yaml (e.g. `  {environment}: {{}}`)", "environment")


def declared_protected(environment: str) -> bool:
    """A protected environment is declared by its own block in Pulumi.base.yaml setting
    dr:protectData true (prod's does). Nothing layered on top (a layer file, a --set) changes that:
    the guardrails still require its data to be protected, so unprotecting prod is a reviewed
    change to Pulumi.base.yaml, never a quiet override."""
    block = (load_base().get("environments") or {}).get(environment) or {}
    return str(block.get("dr:protectData", "")).lower() == "true"


def merge_config(environment: str, stack_config: Mapping[str, Any] | None = None,
                 base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """base `config` < base `environments.<env>` < the layer's own stack config (dr: keys)."""
    document = load_base() if base is None else base
    layers: list[Mapping[str, Any]] = [document.get("config") or {}, declared(environment, document)]
    project = _project()
    where = f"stack {project}/{environment} config"
    stack = _check_keys(where, stack_config, project=project) if stack_config else {}
    layers.append({k: _decode(v) for k, v in stack.items() if str(k).startswith("dr:")})
    merged: dict[str, Any] = {}
    for values in layers:
        for key, value in values.items():
            merged[key] = _merge_tags(merged.get(key), value) if key == TAGS else value
    if isinstance(merged.get(TAGS), Mapping):
        # null removes a tag, except Environment, which is never set here: dr:tags refuses it.
        merged[TAGS] = {k: v for k, v in merged[TAGS].items() if v is not None or k == "Environment"}
    return merged


def _project() -> str:
    # Under a Pulumi run a key without `dr:` arrives as `<project>:<key>`.
    try:
        import pulumi

        return pulumi.get_project()
    except Exception:  # noqa: BLE001 - outside a Pulumi run there is no project
        return "project"


def settings_for(environment: str, stack_config: Mapping[str, Any] | None = None) -> Settings:
    return Settings.from_config(environment, merge_config(environment, stack_config))


def layer_config(layer: str, environment: str,
                 overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A layer's stack config as `pulumi up` would pass it: its own file, then `--set` overrides."""
    return {**read_layer_file(layer, environment), **(overrides or {})}


def layer_settings(layer: str, environment: str,
                   overrides: Mapping[str, Any] | None = None) -> Settings:
    """One layer's validated settings; a bad value from its file names the file."""
    config = layer_config(layer, environment, overrides)
    try:
        return settings_for(environment, config)
    except SettingsError as error:
        from_file = error.key in config and error.key not in (overrides or {})
        if from_file:
            raise SettingsError(f"{_shown(layer_file(layer, environment))}: {error}", error.key) from None
        raise


def runtime_config() -> dict[str, Any]:
    """Every config key the running Pulumi program was given (the SDK has no public lister)."""
    from pulumi.runtime import config as runtime

    values: dict[str, Any] = dict(json.loads(os.environ.get("PULUMI_CONFIG", "{}") or "{}"))
    values.update(runtime.CONFIG.get())
    return values


def current_settings() -> Settings:
    """Settings of the running layer program; a bad value stops it with the one-line message."""
    import pulumi
    from pulumi.runtime.settings import get_monitor

    if get_monitor() is None:
        layer = Path.cwd().name
        raise SystemExit(f"error: this is a Pulumi program, not a script: run it with `pulumi up "
                         f"--stack <env>` in this folder, or offline with `invoke plan --layer {layer}`")
    try:
        return settings_for(pulumi.get_stack(), runtime_config())
    except SettingsError as error:
        raise pulumi.RunError(str(error)) from None
