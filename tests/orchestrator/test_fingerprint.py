"""A layer's deployment fingerprint changes exactly when something its program loads changes:
the files it imports or reads (tests/stacks/test_as_pulumi_up.py proves the list complete) and
its stack's config, never the salt Pulumi writes into the stack file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.config import REPO_ROOT
from shared.contracts import LAYERS
from shared.orchestrator import runs
from shared.orchestrator.program_files import program_files
from shared.orchestrator.runs import fingerprint


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """What a layer program is made of, copied so a test can edit it."""
    for name in ("shared", "stacks"):
        shutil.copytree(REPO_ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Pulumi.base.yaml", "requirements.txt"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    return tmp_path


def prints(root: Path) -> dict[str, str]:
    return {layer: fingerprint(layer, "dev", root) for layer in LAYERS}


def changed_by(root: Path, name: str, edit: str = "\n# edited\n") -> set[str]:
    before = prints(root)
    path = root / name
    path.write_text(path.read_text() + edit)
    after = prints(root)
    return {layer for layer in LAYERS if before[layer] != after[layer]}


def loaders(root: Path, name: str) -> set[str]:
    return {layer for layer in LAYERS
            if name in dict(program_files(layer, root / "stacks" / layer, root))}


def test_the_authority_module_redeploys_compute_and_the_recovery_layer_that_packages_it(checkout):
    assert changed_by(checkout, "stacks/compute/handlers/authority.py") == {"compute", "recovery"}
    assert changed_by(checkout, "stacks/compute/handlers/fence.py") == {"compute"}


def test_the_aws_clients_module_is_part_of_what_global_traffic_deploys(checkout):
    changed = changed_by(checkout, "shared/ops/aws/clients.py")
    assert "global-traffic" in changed and "network-primary" not in changed


def test_tooling_the_programs_never_load_redeploys_nothing(checkout):
    for name in ("shared/orchestrator/operations.py", "shared/plan/compare.py", "shared/ops/drills/drill.py",
                 "shared/cli/deploy.py", "shared/cost/prices.yaml"):
        assert changed_by(checkout, name) == set(), name


def test_every_file_a_program_loads_changes_the_layers_that_load_it_and_only_them(checkout):
    names = {name for layer in LAYERS for name, _ in program_files(layer, checkout / "stacks" / layer,
                                                                     checkout)}
    assert {"Pulumi.base.yaml", "shared/config.py", "shared/components/network.py"} <= names
    for name in sorted(names):
        assert changed_by(checkout, name) == loaders(checkout, name), name


def test_the_salt_pulumi_writes_into_the_stack_file_is_not_an_input_but_its_config_is(checkout):
    stack_file = "stacks/data/Pulumi.dev.yaml"
    (checkout / stack_file).write_text("")
    assert changed_by(checkout, stack_file, "encryptionsalt: v1:c2FsdA==:v1:x:y\n") == set()
    assert changed_by(checkout, stack_file, "config:\n  dr:azCount: '3'\n") == {"data"}
    # another environment's stack file is not this environment's input
    (checkout / "stacks/data/Pulumi.prod.yaml").write_text("")
    assert changed_by(checkout, "stacks/data/Pulumi.prod.yaml", "config:\n  dr:azCount: '3'\n") == set()


def _install(venv: Path, name: str, version: str) -> None:
    found = list(venv.glob(f"lib/python3.11/site-packages/{name}-*.dist-info"))
    for old in found:
        shutil.rmtree(old)
    info = venv / "lib" / "python3.11" / "site-packages" / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_an_sdk_or_provider_upgrade_within_the_pinned_range_redeploys_every_layer(checkout):
    # requirements.txt gives ranges; the virtualenv Pulumi.yaml names holds what `pulumi up` runs.
    venv = checkout / ".venv"
    _install(venv, "pulumi", "3.272.0")
    _install(venv, "pulumi_aws", "7.51.1")
    runs._versions.cache_clear()
    assert runs.installed_sdks("data", checkout).startswith("pulumi=3.272.0,pulumi-aws=7.51.1,")
    before = prints(checkout)
    _install(venv, "pulumi_aws", "7.52.0")
    runs._versions.cache_clear()
    after = prints(checkout)
    assert {layer for layer in LAYERS if before[layer] != after[layer]} == set(LAYERS)
