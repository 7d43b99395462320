"""The stand-in `pulumi` first on PATH, state and logs in tmp_path, AWS answered by moto."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from shared import graph
from shared.contracts import LAYERS
from shared.orchestrator.backend import layer_dir
from tests.orchestrator.standin_pulumi import install
from tests.support import copy_stacks

# Generous: only a broken interrupt would make an operation wait this long.
STARTED_TIMEOUT = 60.0


@dataclass
class Standin:
    root: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def backend(self) -> str:
        return f"file://{self.root / 'state'}"

    def calls(self) -> list[dict[str, Any]]:
        path = self.root / "calls.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def ran(self, action: str) -> list[dict[str, Any]]:
        """The `pulumi <action>` operations, in the order they started."""
        return sorted((c for c in self.calls() if c["argv"][:1] == [action]), key=lambda c: c["start"])

    def layers(self, action: str) -> list[str]:
        return [c["layer"] for c in self.ran(action)]

    def by_layer(self, action: str) -> dict[str, dict[str, Any]]:
        return {c["layer"]: c for c in self.ran(action)}

    def forget_calls(self) -> None:
        (self.root / "calls.jsonl").unlink(missing_ok=True)

    def set(self, **values: str) -> None:
        for key, value in values.items():
            self.monkeypatch.setenv(f"STANDIN_{key.upper()}", value)

    def log(self, env: str, layer: str) -> Path:
        return self.root / "runs" / env / f"{layer}.log"

    def by_hand(self, layer: str, *args: str) -> subprocess.CompletedProcess[str]:
        """`pulumi ARGS` typed by a person in the layer's folder, against the same backend."""
        env = {**os.environ, "PULUMI_BACKEND_URL": self.backend}
        done = subprocess.run([str(self.root / "bin" / "pulumi"), *args], cwd=layer_dir(layer), env=env,
                              capture_output=True, text=True, check=False, timeout=60)
        assert done.returncode == 0, done.stderr or done.stdout
        return done

    def when_started(self, layer: str, action: str, then: threading.Event) -> None:
        """Set `then` once `pulumi <action>` of `layer` is running and handles Ctrl-C."""
        marker = self.root / "started" / f"{layer}.{action}"

        def watch() -> None:
            waited = threading.Event()
            for _ in range(int(STARTED_TIMEOUT / 0.01)):
                if marker.exists():
                    break
                waited.wait(0.01)
            then.set()

        threading.Thread(target=watch, daemon=True).start()


@pytest.fixture
def standin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Standin]:
    import shared.config

    # The layer folders the stand-in runs in: like the real CLI it writes Pulumi.<env>.yaml there.
    monkeypatch.setattr(shared.config, "STACKS_DIR", copy_stacks(tmp_path))
    install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("STANDIN_RECORD", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("STANDIN_SLEEP", "0")
    monkeypatch.setenv("STANDIN_NEEDS", json.dumps({name: list(graph.dependencies(name)) for name in LAYERS}))
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "correct horse battery staple")
    monkeypatch.setenv("DR_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS", raising=False)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        yield Standin(tmp_path, monkeypatch)
