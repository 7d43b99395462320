"""A stand-in `pulumi` CLI for the orchestrator tests and benchmark (the real one is not available).

It answers the calls the orchestrator makes (version, stack select, stack output, up, preview,
destroy), keeps per-layer stack state in STANDIN_STATE, and appends one JSON line per call to
STANDIN_RECORD: argv, layer (its working folder), backend, passphrase present, start/end times.
Like the real CLI, `up` refuses to run while a layer it reads (STANDIN_NEEDS) has no outputs.

Told by environment variables: STANDIN_SLEEP (seconds per up/preview/destroy), STANDIN_FAIL
(comma-separated layers whose operations fail), STANDIN_TRANSIENT ("layer:N": the first N
operations of that layer fail with AWS throttling), STANDIN_VERSION, STANDIN_OUTPUT_SUFFIX
(changes what `up` publishes). `install(folder)` writes it there as an executable `pulumi`.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType


def install(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "pulumi"
    target.write_text(f"#!{sys.executable} -S\n" + Path(__file__).read_text())
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return target


def main(argv: list[str]) -> int:
    started = time.time()
    layer = Path.cwd().name
    record = {"argv": argv, "layer": layer, "start": started,
              "backend": os.environ.get("PULUMI_BACKEND_URL"),
              "passphrase": bool(os.environ.get("PULUMI_CONFIG_PASSPHRASE"))}
    try:
        code = dispatch(argv, layer, record)
    finally:
        record["end"] = time.time()
        with Path(os.environ["STANDIN_RECORD"]).open("a") as handle:
            handle.write(json.dumps(record) + "\n")
    return code


def dispatch(argv: list[str], layer: str, record: dict[str, object]) -> int:
    if argv[:1] == ["version"]:
        print(os.environ.get("STANDIN_VERSION", "v3.272.0"))
        return 0
    stack = _flag(argv, "--stack") or (argv[2] if argv[:2] == ["stack", "select"] else "")
    state = Path(os.environ["STANDIN_STATE"]) / layer / f"{stack}.json"
    if argv[:2] == ["stack", "select"]:
        if not state.exists() and "--create" not in argv:
            print(f"error: no stack named '{stack}' found", file=sys.stderr)
            return 255
        state.parent.mkdir(parents=True, exist_ok=True)
        if not state.exists():
            state.write_text("{}")
        return 0
    if argv[:2] == ["stack", "output"]:
        if not state.exists():
            print(f"error: no stack named '{stack}' found", file=sys.stderr)
            return 255
        print(state.read_text())
        return 0
    return operate(argv[0], layer, stack, state, record)


def operate(action: str, layer: str, stack: str, state: Path, record: dict[str, object]) -> int:
    print(f"Updating ({stack}) {layer}: {action}")
    signal.signal(signal.SIGINT, _interrupted(record))
    time.sleep(float(os.environ.get("STANDIN_SLEEP", "0")))
    if layer in os.environ.get("STANDIN_FAIL", "").split(","):
        print(f"  error: creating resource in {layer}: InvalidParameterValue: injected failure")
        return 255
    if _throttled(layer, state):
        print("  error: ThrottlingException: Rate exceeded")
        return 255
    if action == "up":
        for needed in json.loads(os.environ.get("STANDIN_NEEDS", "{}")).get(layer, []):
            upstream = state.parent.parent / needed / f"{stack}.json"
            if not upstream.exists() or not json.loads(upstream.read_text()):
                print(f"  error: stack reference organization/{needed}/{stack} not found")
                return 255
        suffix = os.environ.get("STANDIN_OUTPUT_SUFFIX", "")
        state.write_text(json.dumps({"name": f"{layer}-{stack}{suffix}", "zone_count": 2,
                                     "subnet_ids": ["subnet-0a1", "subnet-0b2"]}))
        print("Resources:\n    + 3 created\n    ~ 1 updated\n    4 changes. 5 unchanged")
    elif action == "destroy":
        state.write_text("{}")
        print("Resources:\n    - 9 deleted")
    else:
        print("Resources:\n    + 3 to create\n    ~ 1 to update\n    4 changes. 5 unchanged")
    return 0


def _throttled(layer: str, state: Path) -> bool:
    name, _, count = os.environ.get("STANDIN_TRANSIENT", "").partition(":")
    if name != layer:
        return False
    counter = state.with_suffix(".throttled")
    seen = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(seen + 1))
    return seen < int(count or 0)


def _interrupted(record: dict[str, object]) -> Callable[[int, FrameType | None], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        record["interrupted"] = True
        print("error: update canceled")
        raise SystemExit(255)
    return handler


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else ""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
