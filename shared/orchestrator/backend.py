"""Where Pulumi state lives and the environment every `pulumi` child process gets.

Default: a file backend inside the repository (`.pulumi-state/`, gitignored), so no Pulumi
Cloud account is needed. `--backend URL` beats an exported PULUMI_BACKEND_URL, which beats
the default. Every self-managed backend (file://, s3://, gs://, azblob://) uses the passphrase
secrets provider for all layers, so any layer can read another's secret outputs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shared import config
from shared.config import REPO_ROOT
from shared.orchestrator.errors import OrchestratorError

STATE_DIR = REPO_ROOT / ".pulumi-state"
SELF_MANAGED = ("file://", "s3://", "gs://", "azblob://")


@dataclass(frozen=True)
class Backend:
    url: str

    @property
    def self_managed(self) -> bool:
        return self.url.startswith(SELF_MANAGED)

    @property
    def local(self) -> bool:
        return self.url.startswith("file://")

    def may_hold(self, environment: str) -> bool:
        """False only when a file:// backend holds no stack of `environment` in any project: then
        nothing of it is deployed from here, which needs neither the CLI nor the passphrase to
        say. A DIY backend keeps each stack as .pulumi/stacks/<project>/<stack>.json (gzipped:
        .json.gz) https://www.pulumi.com/docs/iac/operations/stack-management/using-a-diy-backend/"""
        if not self.local:
            return True
        stacks = Path(self.url.removeprefix("file://")).expanduser() / ".pulumi" / "stacks"
        return any(stacks.glob(f"*/{environment}.json")) or any(stacks.glob(f"*/{environment}.json.gz"))

    @property
    def organization(self) -> str:
        """What `pulumi.get_organization()` returns on a self-managed backend."""
        return "organization"


def resolve_backend(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> Backend:
    env = os.environ if environ is None else environ
    url = explicit or env.get("PULUMI_BACKEND_URL") or f"file://{STATE_DIR}"
    return Backend(url)


def layer_dir(layer: str, root: Path | None = None) -> Path:
    """The layer's project folder: in the checkout at `root`, else where settings read stacks/."""
    return (root / "stacks" if root else config.STACKS_DIR) / layer


def project_file(layer: str, root: Path | None = None) -> dict[str, Any]:
    """The layer's Pulumi.yaml, parsed ({} when it holds no mapping)."""
    project = yaml.safe_load((layer_dir(layer, root) / "Pulumi.yaml").read_text(encoding="utf-8"))
    return project if isinstance(project, dict) else {}


def child_environment(backend: Backend, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every `pulumi` call; refuses a self-managed backend without a passphrase."""
    env = dict(os.environ if environ is None else environ)
    # Set, even empty, is a passphrase (Pulumi accepts "" since pulumi/pulumi#9568); an empty
    # PULUMI_CONFIG_PASSPHRASE_FILE is no file, which Pulumi treats as unset.
    if backend.self_managed and not ("PULUMI_CONFIG_PASSPHRASE" in env
                                     or env.get("PULUMI_CONFIG_PASSPHRASE_FILE")):
        raise OrchestratorError(
            f"PULUMI_CONFIG_PASSPHRASE is not set: the {backend.url.split('://')[0]}:// backend "
            "encrypts secrets with a passphrase; export PULUMI_CONFIG_PASSPHRASE (or "
            "PULUMI_CONFIG_PASSPHRASE_FILE) and use the same one for every run"
        )
    if backend.local:
        Path(backend.url.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
    env["PULUMI_BACKEND_URL"] = backend.url
    # No "a new version is available" nag in the middle of a layer's log.
    env["PULUMI_SKIP_UPDATE_CHECK"] = "true"
    return env
