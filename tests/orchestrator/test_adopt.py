"""`invoke adopt` after a protected destroy: the kept resources, exported with their IDs right
before the destroy, are imported back into their stacks (over the stand-in CLI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.adopt import adopt
from shared.cli.deploy import deploy_all, destroy_all
from shared.orchestrator.adopt import import_file
from tests.orchestrator.conftest import Standin
from tests.support import plan_of

KEEPERS = ("network-primary", "network-secondary", "data")


def deployment(layer: str) -> list[dict[str, Any]]:
    """The layer's resources as `pulumi stack export` lists them, from the prod plan."""
    return [{"urn": r["urn"], "type": r["type"], "custom": r["custom"], "id": r["id"],
             "parent": r["parent"], "retainOnDelete": r["retain_on_delete"], "protect": r["protect"],
             "inputs": {"region": r["region"]} if r["region"] not in (None, "global") else {}}
            for r in plan_of("prod").layer(layer).resources]


def kept(layer: str) -> list[dict[str, Any]]:
    return [r for r in deployment(layer)
            if r["custom"] and r["retainOnDelete"] and r["type"].startswith("aws:")]


def test_the_import_file_holds_every_kept_resource_with_its_id_and_region():
    entries = import_file({"deployment": {"resources": deployment("data")}}, "us-east-1")["resources"]
    imported = {e["name"]: e for e in entries if "id" in e}
    expected = {r["urn"].rsplit("::", 1)[1]: r for r in kept("data")}
    assert set(imported) == set(expected)
    for name, resource in expected.items():
        suffix = "@us-east-2" if resource["inputs"].get("region") == "us-east-2" else ""
        assert imported[name]["id"] == f"{resource['id']}{suffix}", name
    # Parents are declared (as empty components) before what they hold.
    seen: set[str] = set()
    for entry in entries:
        assert entry.get("parent") is None or entry["parent"] in seen, entry
        seen.add(entry["name"])
    assert all(e.get("component") for e in entries if "id" not in e)
    # A random password's import ID would be its value: never "none" from the export.
    assert not [e for e in entries if e["type"].startswith("random:")]


def test_nothing_deleted_by_the_destroy_is_imported():
    entries = import_file({"deployment": {"resources": deployment("network-primary")}}, "us-east-1")
    names = {e["name"] for e in entries["resources"]}
    assert "network-primary-nlb" not in names and "network-primary-vpc" in names


def prepare(standin: Standin, tmp_path: Path) -> None:
    folder = tmp_path / "deployments"
    folder.mkdir()
    for layer in KEEPERS:
        (folder / f"{layer}.json").write_text(json.dumps(deployment(layer)))
    standin.set(deployments=str(folder), protected=",".join(KEEPERS))
    deploy_all(Context(), env="prod", yes=True, backend=standin.backend, only=",".join(KEEPERS))
    destroy_all(Context(), env="prod", yes=True, allow_data_loss=True, backend=standin.backend)


def test_adopt_imports_what_the_protected_destroy_kept_layer_by_layer(standin, tmp_path, capsys):
    prepare(standin, tmp_path)
    adopt(Context(), env="prod", yes=True, backend=standin.backend)
    imports = [c for c in standin.calls() if c["argv"][:1] == ["import"]]
    assert [c["layer"] for c in imports][-1] == "data"  # after the networks it lives in
    assert {c["layer"] for c in imports} == set(KEEPERS)
    for call in imports:
        document = json.loads(Path(call["argv"][call["argv"].index("--file") + 1]).read_text())
        ids = {e["name"]: e["id"].split("@")[0] for e in document["resources"] if "id" in e}
        assert ids == {r["urn"].rsplit("::", 1)[1]: r["id"] for r in kept(call["layer"])}
        assert "--stack" in call["argv"] and "prod" in call["argv"] and "--yes" in call["argv"]
    assert "adopted network-primary, network-secondary, data" in capsys.readouterr().out


def test_adopt_without_a_protected_destroy_says_where_the_export_comes_from(standin):
    with pytest.raises(Exit) as error:
        adopt(Context(), env="prod", yes=True, backend=standin.backend)
    assert "nothing to adopt in prod" in str(error.value.message)
    assert "--allow-data-loss" in str(error.value.message)
