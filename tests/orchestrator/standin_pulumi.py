"""A stand-in `pulumi` CLI for the orchestrator tests and benchmark (the real one is not available).

It answers what the orchestrator and a person at a layer's folder run: version; stack select
[--create], ls --json, history --json, output --json, rm, export --file; state unprotect --all;
cancel (deletes the stack's locks, as on a DIY backend);
import --file (a bulk import file); up [--message], preview, destroy; up/preview take --target
URN (kept in the recorded argv) and --config-file FILE (which must exist, as the real CLI reads
it before anything else).
State is a DIY (file://) backend of its own under PULUMI_BACKEND_URL, laid out like the real
one: `.pulumi/stacks/<project>/<stack>.json` (outputs and resource URNs; no resources listed
until the first update, as a new real stack has no checkpoint) and one
`.pulumi/history/<project>/<stack>/<stack>-<n>.history.json` per non-preview operation, kept
even for failed ones. History JSON has the real fields; `version` is 0 as the real DIY backend
never numbers updates. `stack ls --json` gives name, current, lastUpdate, resourceCount (no
updateInProgress: DIY backends do not report it). The project is Pulumi.yaml's `name:`.

No wall clock: every call takes two ticks ("start", "end") of a logical clock shared by all
calls (a counter file next to STANDIN_RECORD); history times are derived from ticks. One JSON
line per call goes to STANDIN_RECORD: argv, layer (its working folder), backend, passphrase
present, start/end ticks. Like the real CLI, `up` refuses while a stack it reads
(STANDIN_NEEDS) has no outputs.

Told by environment variables: STANDIN_SLEEP (seconds per up/preview/destroy, for the
benchmark and for interrupt tests), STANDIN_STARTUP (seconds every call takes to start, as the
real CLI's start-up, for the benchmark), STANDIN_FAIL (comma-separated layers whose operations fail),
STANDIN_TRANSIENT ("layer:N": the first N operations of that layer fail with AWS throttling),
STANDIN_VERSION, STANDIN_OUTPUT_SUFFIX (changes what `up` publishes), STANDIN_OUTPUT_FAIL
(layers whose `stack output` fails with a passphrase error), STANDIN_PROTECTED
(layers whose `up` leaves protected resources: `destroy` then refuses, as the real CLI does,
until `state unprotect --all`), STANDIN_DEPLOYMENTS (a folder of `<layer>.json`: the resources
`up` leaves in state, as `stack export` gives them), STANDIN_TOGETHER
("a,b;c,d": each operation of a layer in a group waits until every layer of its group has
started the same action, and fails if they never do: concurrency proved without timing). Once
its signal handlers are installed an operation creates `started/<layer>.<action>` next to
STANDIN_RECORD. `install(folder)` writes it there as an executable `pulumi`.

Like the real CLI on a DIY backend: `stack select --create --secrets-provider passphrase`
writes `encryptionsalt` into the project's `Pulumi.<stack>.yaml` (a new random salt per stack);
`up` and `destroy` hold the stack's lock (`.pulumi/locks/organization/<project>/<stack>/
<id>.json`) while they run and refuse to start while one is held; a preview neither takes nor
checks it (pkg/backend/diy/backend.go: only Update, Import, Refresh, Destroy lock). History is
written only when an operation ends. The first signal, SIGINT or SIGTERM, cancels gracefully
(pkg/backend/cancellation_scope.go, SIGTERM since CLI 3.136): in-flight work finishes
(STANDIN_CANCEL_SECONDS), the update is recorded as failed and the lock released; the second
terminates at once: no history, the lock left behind, the checkpoint (`lastUpdate`) written at
that moment. Each signal received is recorded
(`signals`); `cancelling/<layer>.<action>` marks the first.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import signal
import socket
import stat
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
RESOURCES = 9  # what `up` leaves in a stack: the stack, its provider and 7 resources
TOGETHER_TIMEOUT = 60.0


def install(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "pulumi"
    target.write_text(f"#!{sys.executable} -S\n" + Path(__file__).read_text())
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return target


def main(argv: list[str]) -> int:
    # The real CLI's own start-up (a Go binary loading its plugins and the backend), which
    # every call pays before it does anything: STANDIN_STARTUP seconds, for the benchmark.
    time.sleep(float(os.environ.get("STANDIN_STARTUP", "0")))
    layer = Path.cwd().name
    record = {"argv": argv, "layer": layer, "start": tick(),
              "backend": os.environ.get("PULUMI_BACKEND_URL"),
              "passphrase": bool(os.environ.get("PULUMI_CONFIG_PASSPHRASE"))}
    try:
        code = dispatch(argv, Stack(layer, _stack_name(argv)), record)
    finally:
        record["end"] = tick()
        with Path(os.environ["STANDIN_RECORD"]).open("a") as handle:
            handle.write(json.dumps(record) + "\n")
    return code


def tick() -> int:
    """The next value of the logical clock every stand-in call shares."""
    with (_scratch() / "clock").open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        now = int(handle.read() or 0) + 1
        handle.seek(0)
        handle.truncate()
        handle.write(str(now))
        return now


def timestamp(now: int) -> str:
    """How the real CLI prints times (RFC 5424, milliseconds), one logical second per tick."""
    return (EPOCH + timedelta(seconds=now)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Stack:
    """One stack of the project in the current folder, in the DIY backend's layout."""

    def __init__(self, layer: str, name: str) -> None:
        self.layer = layer
        self.name = name
        self.project = _project_name()
        root = Path(os.environ["PULUMI_BACKEND_URL"].removeprefix("file://")) / ".pulumi"
        self.stacks = root / "stacks" / self.project
        self.path = self.stacks / f"{name}.json"
        self.history_dir = root / "history" / self.project / name

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> dict[str, object]:
        return json.loads(self.path.read_text())

    def save(self, outputs: dict[str, object], resources: list[str] | None, at: int,
             protected: bool = False, deployment: list[object] | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"outputs": outputs, "resources": resources, "time": at,
                                         "protected": protected, "deployment": deployment}))

    @property
    def lock_dir(self) -> Path:
        return self.stacks.parent.parent / "locks" / "organization" / self.project / self.name

    def locks(self) -> list[Path]:
        return sorted(self.lock_dir.glob("*.json"))

    def lock(self) -> Path:
        path = self.lock_dir / f"{uuid.uuid4()}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"pid": os.getpid(), "username": "standin",
                                    "hostname": socket.gethostname(), "timestamp": timestamp(tick())}))
        return path

    def history(self) -> list[dict[str, object]]:
        files = sorted(self.history_dir.glob("*.history.json"),
                       key=lambda p: int(p.name.removesuffix(".history.json").rpartition("-")[2]))
        return [json.loads(p.read_text()) for p in reversed(files)]

    def add_history(self, kind: str, message: str, ok: bool, started: int,
                    changes: dict[str, int]) -> None:
        now = tick()
        self.history_dir.mkdir(parents=True, exist_ok=True)
        entry = {"version": 0, "kind": kind, "startTime": timestamp(started), "message": message,
                 "environment": {"exec.kind": "cli"}, "config": {},
                 "result": "succeeded" if ok else "failed", "endTime": timestamp(now),
                 "resourceChanges": changes}
        (self.history_dir / f"{self.name}-{now}.history.json").write_text(json.dumps(entry))


def dispatch(argv: list[str], stack: Stack, record: dict[str, object]) -> int:
    if argv[:1] == ["version"]:
        print(os.environ.get("STANDIN_VERSION", "v3.272.0"))
        return 0
    if argv[:2] == ["stack", "ls"]:
        print(json.dumps(_listing(stack)))
        return 0
    if argv[:2] == ["stack", "select"]:
        if not stack.exists():
            if "--create" not in argv:
                return _no_stack(stack)
            stack.save({}, None, 0)
            if _flag(argv, "--secrets-provider") == "passphrase":
                _write_salt(Path.cwd() / f"Pulumi.{stack.name}.yaml")
        return 0
    if not stack.exists():
        return _no_stack(stack)
    if argv[:2] == ["stack", "output"]:
        if stack.layer in os.environ.get("STANDIN_OUTPUT_FAIL", "").split(","):
            print("error: failed to decrypt: incorrect passphrase", file=sys.stderr)
            return 255
        print(json.dumps(stack.load()["outputs"]))
        return 0
    if argv[:2] == ["stack", "history"]:
        size = int(_flag(argv, "--page-size") or 10)
        page = int(_flag(argv, "--page") or 1)
        print(json.dumps(stack.history()[(page - 1) * size:page * size]))
        return 0
    if argv[:2] == ["stack", "export"]:
        deployment = stack.load().get("deployment") or [
            {"urn": urn, "type": "test:index:Resource", "custom": True, "id": urn.rsplit("-", 1)[1]}
            for urn in stack.load()["resources"] or []]
        Path(_flag(argv, "--file")).write_text(json.dumps(
            {"version": 3, "deployment": {"resources": deployment}}))
        return 0
    if argv[:1] == ["import"]:
        return _import(stack, json.loads(Path(_flag(argv, "--file")).read_text()), record)
    if argv[:1] == ["cancel"]:
        # DIY: deletes every lock file of the stack and nothing else (CancelCurrentUpdate).
        for path in stack.locks():
            path.unlink()
        return 0
    if argv[:3] == ["state", "unprotect", "--all"]:
        stack.save(stack.load()["outputs"], stack.load()["resources"], int(str(record["start"])))
        return 0
    if argv[:2] == ["stack", "rm"]:
        if stack.load()["resources"] and "--force" not in argv:
            print(f"error: '{stack.name}' still has resources; removal rejected. Possible actions:\n"
                  "- Make sure that you have run `pulumi destroy` or pass --force", file=sys.stderr)
            return 255
        stack.path.unlink()
        return 0
    return operate(argv, stack, record)


def operate(argv: list[str], stack: Stack, record: dict[str, object]) -> int:
    action, layer, started = argv[0], stack.layer, int(str(record["start"]))
    config_file = _flag(argv, "--config-file")
    if config_file and not Path(config_file).is_file():
        print(f"error: could not read config file {config_file}", file=sys.stderr)
        return 255
    print(f"Updating ({stack.name}) {layer}: {action}")
    cancel = Cancel(record, f"{layer}.{action}")
    signal.signal(signal.SIGINT, cancel.interrupt)
    signal.signal(signal.SIGTERM, cancel.interrupt)
    if stack.locks() and action != "preview":
        print("error: the stack is currently locked by 1 lock(s). Either wait for the other "
              "process(es) to end or delete the lock file with `pulumi cancel`.\n"
              f"  {stack.locks()[0]}")
        return 255
    lock = stack.lock() if action != "preview" else None
    _mark("started", f"{layer}.{action}")
    try:
        code = _operate(argv, stack, cancel, started)
    except Terminated:
        if lock:
            # The steps done so far are in the checkpoint (rewritten after each one); no
            # history entry, and the lock stays behind.
            state = stack.load()
            stack.save(state["outputs"], state["resources"], tick(), bool(state.get("protected")),
                       state.get("deployment"))
        raise
    if lock:
        lock.unlink()
    return code


def _operate(argv: list[str], stack: Stack, cancel: Cancel, started: int) -> int:
    action, layer = argv[0], stack.layer
    kind = "update" if action == "up" else action
    if not _together(layer, action):
        print(f"  error: {layer} was to run at the same time as its STANDIN_TOGETHER group, "
              "which never started")
        return 255
    if cancel.wait(float(os.environ.get("STANDIN_SLEEP", "0"))):
        # Graceful: the operations in flight finish, then the update ends as failed.
        cancel.wait(float(os.environ.get("STANDIN_CANCEL_SECONDS", "0")))
        print("error: update canceled")
        return _failed(stack, kind, action, argv, started)
    if layer in os.environ.get("STANDIN_FAIL", "").split(","):
        print(f"  error: creating resource in {layer}: InvalidParameterValue: injected failure")
        return _failed(stack, kind, action, argv, started)
    if _throttled(stack):
        print("  error: ThrottlingException: Rate exceeded")
        return _failed(stack, kind, action, argv, started)
    if action == "up":
        for needed in json.loads(os.environ.get("STANDIN_NEEDS", "{}")).get(layer, []):
            upstream = stack.stacks.parent / needed / f"{stack.name}.json"
            if not upstream.exists() or not json.loads(upstream.read_text())["outputs"]:
                print(f"  error: stack reference organization/{needed}/{stack.name} not found")
                return _failed(stack, kind, action, argv, started)
        suffix = os.environ.get("STANDIN_OUTPUT_SUFFIX", "")
        urns = [f"urn:pulumi:{stack.name}::{stack.project}::resource-{i}" for i in range(RESOURCES)]
        protected = layer in os.environ.get("STANDIN_PROTECTED", "").split(",")
        stack.save({"name": f"{layer}-{stack.name}{suffix}", "zone_count": 2,
                    "subnet_ids": ["subnet-0a1", "subnet-0b2"]}, urns, started, protected,
                   _deployment(layer))
        stack.add_history(kind, _flag(argv, "--message"), True, started,
                          {"create": 3, "update": 1, "same": 5})
        print("Resources:\n    + 3 created\n    ~ 1 updated\n    4 changes. 5 unchanged")
    elif action == "destroy":
        if stack.load().get("protected"):
            # Pulumi checks protection while planning the deletes: nothing is deleted.
            print(f"  error: unable to delete resource \"{stack.load()['resources'][0]}\"\n"
                  "  as it is currently marked for protection. To unprotect the resource, "
                  "remove the `protect` flag from the resource in your Pulumi program and run "
                  "`pulumi up`, or use the command:\n  `pulumi state unprotect`")
            return _failed(stack, kind, action, argv, started)
        stack.save({}, [], started)
        stack.add_history(kind, _flag(argv, "--message"), True, started, {"delete": RESOURCES})
        print(f"Resources:\n    - {RESOURCES} deleted")
    else:
        print("Resources:\n    + 3 to create\n    ~ 1 to update\n    4 changes. 5 unchanged")
    return 0


def _import(stack: Stack, document: dict[str, list[dict[str, object]]], record: dict[str, object]) -> int:
    """What the real bulk import checks first: each entry has a type and a name, a component no ID
    and every other resource one, and a parent named earlier in the file."""
    declared: set[object] = set()
    for entry in document["resources"]:
        if not entry.get("type") or not entry.get("name"):
            print(f"error: import entry {entry} needs a type and a name", file=sys.stderr)
            return 255
        if bool(entry.get("component")) == ("id" in entry):
            print(f"error: {entry['name']}: a component has no id, a resource needs one", file=sys.stderr)
            return 255
        if "parent" in entry and entry["parent"] not in declared:
            print(f"error: {entry['name']}: parent {entry['parent']} is not declared before it",
                  file=sys.stderr)
            return 255
        declared.add(entry["name"])
    state = stack.load()
    urns = [f"urn:pulumi:{stack.name}::{stack.project}::{e['type']}::{e['name']}"
            for e in document["resources"]]
    stack.save(state["outputs"], [*(state["resources"] or []), *urns], int(str(record["start"])),
               protected=True)
    return 0


class Terminated(SystemExit):
    """Pulumi's "terminating immediately": nothing more is written, the lock stays."""


class Cancel:
    """The real CLI's cancellation scope: the first signal (SIGINT or SIGTERM) cancels, the
    next one terminates."""

    def __init__(self, record: dict[str, object], marker: str) -> None:
        self.record, self.marker = record, marker
        self.signals: list[str] = []
        record["signals"] = self.signals

    @property
    def cancelling(self) -> bool:
        return bool(self.signals)

    def interrupt(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        self.signals.append(name)
        if len(self.signals) > 1:
            raise Terminated(255)
        self.record["interrupted"] = True
        shown = "^C" if name == "SIGINT" else name
        print(f"{shown} received; cancelling. If you would like to terminate immediately, "
              f"{'press ^C' if name == 'SIGINT' else 'send SIGTERM'} again.")
        _mark("cancelling", self.marker)

    def wait(self, seconds: float) -> bool:
        """Sleep `seconds` unless a graceful cancel starts first; whether one is under way."""
        already = self.cancelling
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.cancelling and not already:
                return True
            time.sleep(min(0.01, max(deadline - time.monotonic(), 0)))
        return self.cancelling


def _write_salt(path: Path) -> None:
    """What the passphrase provider writes on stack creation: a salt of its own, every time."""
    text = path.read_text() if path.exists() else ""
    if "encryptionsalt:" not in text:
        salt = base64.b64encode(os.urandom(8)).decode()
        path.write_text(text + f"encryptionsalt: v1:{salt}:v1:standin:standin\n")


def _listing(stack: Stack) -> list[dict[str, object]]:
    listed = []
    for path in sorted(stack.stacks.glob("*.json")):
        state = json.loads(path.read_text())
        entry: dict[str, object] = {"name": path.stem, "current": path.stem == stack.name}
        if state["resources"] is not None:
            entry["lastUpdate"] = timestamp(int(state["time"]))
            entry["resourceCount"] = len(state["resources"])
        listed.append(entry)
    return listed


def _deployment(layer: str) -> list[object] | None:
    """The resources `up` leaves in state (`stack export`), when STANDIN_DEPLOYMENTS names a
    folder with `<layer>.json`; else export lists the stand-in's bare URNs."""
    folder = os.environ.get("STANDIN_DEPLOYMENTS")
    path = Path(folder) / f"{layer}.json" if folder else None
    return json.loads(path.read_text()) if path and path.is_file() else None


def _failed(stack: Stack, kind: str, action: str, argv: list[str], started: int) -> int:
    if action != "preview":
        stack.add_history(kind, _flag(argv, "--message"), False, started, {})
    return 255


def _no_stack(stack: Stack) -> int:
    print(f"error: no stack named '{stack.name}' found", file=sys.stderr)
    return 255


def _together(layer: str, action: str) -> bool:
    groups = [g.split(",") for g in os.environ.get("STANDIN_TOGETHER", "").split(";") if g]
    partners = next((g for g in groups if layer in g), [layer])
    marker = _scratch() / "together"
    _mark("together", f"{layer}.{action}")
    deadline = time.monotonic() + TOGETHER_TIMEOUT
    while not all((marker / f"{name}.{action}").exists() for name in partners):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _throttled(stack: Stack) -> bool:
    name, _, count = os.environ.get("STANDIN_TRANSIENT", "").partition(":")
    if name != stack.layer:
        return False
    counter = _scratch() / f"throttled-{stack.project}-{stack.name}"
    seen = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(seen + 1))
    return seen < int(count or 0)


def _mark(folder: str, name: str) -> None:
    path = _scratch() / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / name).touch()


def _scratch() -> Path:
    return Path(os.environ["STANDIN_RECORD"]).parent


def _project_name() -> str:
    project = Path.cwd() / "Pulumi.yaml"
    if project.is_file():
        for line in project.read_text().splitlines():
            if line.startswith("name:"):
                return line.partition(":")[2].strip()
    return Path.cwd().name


def _stack_name(argv: list[str]) -> str:
    if _flag(argv, "--stack"):
        return _flag(argv, "--stack")
    if argv[:2] in (["stack", "select"], ["stack", "rm"]):
        words = iter(argv[2:])
        for word in words:
            if word == "--secrets-provider":
                next(words, None)
            elif not word.startswith("-"):
                return word
    return ""


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1] if name in argv else ""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
