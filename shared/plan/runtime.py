"""Run one layer program under Pulumi's mock runtime and record what it would deploy."""

from __future__ import annotations

import hashlib
import json
import logging
import runpy
import sys
import threading
import traceback
import warnings
from contextlib import chdir
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from shared.components.traffic_dials import dials_read_by
from shared.config import REPO_ROOT
from shared.plan.compare import force_new_table
from shared.plan.fakes import Fake, fake_call, is_global
from shared.plan.fakes.global_traffic import live_dials as fake_dials
from shared.plan.process import no_source_positions
from shared.stack_io import reset_references

ORGANIZATION = "organization"  # what a self-managed backend calls the org in stack names
SECRET = "[secret]"
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"


class LayerFailed(RuntimeError):
    """A layer program stopped with an error; the message is the program's own."""

    def __init__(self, message: str, layer: str = "") -> None:
        super().__init__(message)
        self.layer = layer


@dataclass
class StackOutputs:
    values: dict[str, Any]
    secret_names: set[str] = field(default_factory=set)


@dataclass
class LayerRun:
    name: str
    outputs: StackOutputs
    resources: list[dict[str, Any]]
    warnings: list[str]


def plain(value: Any) -> Any:
    """Wire properties as a person reads them: secrets masked, assets and archives named."""
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _SECRET_SIG:
            return SECRET
        if sig == _ASSET_SIG:
            return {"asset": value.get("path") or value.get("uri") or "<text>"}
        if sig == _ARCHIVE_SIG:
            if "assets" in value:
                return {"archive": sorted(value["assets"])}
            return {"archive": value.get("path") or value.get("uri")}
        if sig == _RESOURCE_SIG:
            return value.get("urn")
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Mocks(pulumi_mocks.Mocks):
    def __init__(self, layer: str, environment: str, default_region: str,
                 upstream: dict[str, StackOutputs], warnings: list[str]) -> None:
        self.layer, self.environment, self.default_region = layer, environment, default_region
        self.upstream, self.warnings = upstream, warnings

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == "pulumi:pulumi:StackReference":
            stack_name = args.inputs.get("name", args.name)
            producer = stack_name.split("/")[1] if stack_name.count("/") == 2 else stack_name
            found = self.upstream.get(producer, StackOutputs({}))
            return stack_name, {"name": stack_name, "outputs": found.values,
                                "secretOutputNames": sorted(found.secret_names)}
        region = args.inputs.get("region") or self.default_region
        seed = identity_seed(f"{self.environment}/{self.layer}/{args.typ}/{args.name}", args.typ,
                             args.inputs)
        return Fake(args.typ, args.name, dict(args.inputs), region, seed).outputs()

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list]:
        try:
            answer = fake_call(args.token, dict(args.args), self.default_region)
        except LookupError as missing:  # what the provider reports as a failed read
            return {}, [("", str(missing))]
        if answer is None:
            self.warnings.append(f"offline plan has no answer for invoke {args.token}")
            return {}, []
        return answer, []


def identity_seed(name: str, token: str, inputs: dict[str, Any]) -> str:
    """What a fake ID, ARN and endpoint derive from: the resource's name and the inputs whose
    change replaces it (force_new.yaml). A replaced resource then gets new identities, as in
    AWS, and every input and output built from them changes too, in this layer and in the
    layers that read it (a new VPC ID reaches peering, subnet groups, Lambda VPC config)."""
    forcing = force_new_table().get(token, frozenset())
    identity = {key: value for key, value in inputs.items() if key in forcing and key != "region"}
    if not identity:
        return name
    text = json.dumps(identity, sort_keys=True, default=str)
    return f"{name}#{hashlib.sha256(text.encode()).hexdigest()[:12]}"


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping each registration's options for the plan."""

    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.records: list[dict[str, Any]] = []
        self.provider_regions: dict[str, str] = {}
        self._lock = threading.Lock()
        self._default_region = mocks.default_region

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self._record(request, response, bool(request.custom))
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        self._record(request, response, True)
        return response

    def _region(self, token: str, inputs: dict[str, Any], provider: str) -> str | None:
        if is_global(token):
            return "global"
        if not token.startswith("aws:"):
            return inputs.get("region") if token == "pulumi:providers:aws" else None
        provider_urn = provider.rsplit("::", 1)[0]  # a reference is "<urn>::<id>"
        return (inputs.get("region") or self.provider_regions.get(provider_urn)
                or self._default_region)

    def _record(self, request: Any, response: Any, custom: bool) -> None:
        read = request.DESCRIPTOR.name == "ReadResourceRequest"
        urn = response.urn
        state = response.properties if read else response.object
        inputs = plain(json_format.MessageToDict(request.properties if read else request.object))
        provider = getattr(request, "provider", "")
        region = self._region(request.type, inputs, provider)
        if request.type == "pulumi:providers:aws" and region:
            self.provider_regions[urn] = region
        record = {
            "urn": urn,
            "type": request.type,
            "name": request.name,
            "custom": custom,
            "region": region,
            "parent": request.parent or None,
            "protect": bool(getattr(request, "protect", False)),
            "retain_on_delete": bool(getattr(request, "retainOnDelete", False)),
            # A fixed-name resource AWS must replace has to go first, or the new one is refused.
            "delete_before_replace": bool(getattr(request, "deleteBeforeReplace", False)),
            "depends_on": sorted(getattr(request, "dependencies", [])),
            "ignore_changes": sorted(getattr(request, "ignoreChanges", [])),
            # What a replacement would give new values: `plan --compare` follows them into
            # the inputs and outputs that were built from this resource.
            "id": getattr(response, "id", "") or None,
            "arn": state["arn"] if custom and "arn" in state else None,
            "property_dependencies": {
                key: sorted(deps.urns)
                for key, deps in sorted(getattr(request, "propertyDependencies", {}).items())
                if deps.urns},
            "inputs": inputs,
        }
        with self._lock:
            self.records.append(record)


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


def _run_program(program: Path) -> None:
    # As under `pulumi up`, the program imports modules that sit beside it.
    sys.path.insert(0, str(program.parent))
    try:
        runpy.run_path(str(program), run_name="__main__")
    finally:
        sys.path.remove(str(program.parent))


def _missing_part(program_dir: Path, layer: str) -> str | None:
    """What `pulumi up` would need and cannot find in the layer's folder, as a one-line fix."""
    restore = f"restore it: git checkout -- stacks/{layer}"
    if not program_dir.is_dir():
        return f"its folder stacks/{layer}/ is missing; {restore}"
    for needed in ("Pulumi.yaml", "__main__.py"):
        if not (program_dir / needed).is_file():
            return f"stacks/{layer}/{needed} is missing; {restore}/{needed}"
    return None


def _program_failure(error: Exception, program_dir: Path) -> str:
    """An unexpected exception as its type and message, then the program's own frames (its
    stacks/ folder and shared/, not this runtime), innermost last: not Pulumi's or asyncio's."""
    homes = (program_dir.resolve().parent.parent, REPO_ROOT)  # the stacks' root, the package's
    lines = [f"{type(error).__name__}: {' '.join(str(error).split())}"]
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        home = next((h for h in homes if any(path.is_relative_to(h / top) for top in ("stacks", "shared"))),
                    None)
        if home and path != Path(__file__).resolve() and not frame.filename.startswith("<"):
            lines.append(f"  {path.relative_to(home)}:{frame.lineno} in {frame.name}: {frame.line}")
    return "\n".join(lines)


def _ours(filename: str | None) -> bool:
    path = Path(filename or "/").resolve()
    return path.is_relative_to(REPO_ROOT) and not path.is_relative_to(REPO_ROOT / ".venv")


def _resolve(value: Any) -> tuple[Any, bool]:
    output = pulumi.Output.from_input(value)
    return _sync_await(output.future()), bool(_sync_await(output.is_secret()))


def run_layer(program_dir: Path, layer: str, environment: str, config: dict[str, Any],
              upstream: dict[str, StackOutputs], default_region: str) -> LayerRun:
    """Run `program_dir/__main__.py` as stack `environment` of project `layer`, offline."""
    messages: list[str] = []
    logger = logging.getLogger(f"dr.plan.{layer}")
    logger.propagate = False
    handler = _ListHandler(messages)
    logger.addHandler(handler)
    mocks = _Mocks(layer, environment, default_region, upstream, messages)
    monitor = _RecordingMonitor(mocks)

    runtime_settings.ROOT.set(None)
    reset_references()
    pulumi.runtime.set_all_config({"aws:region": default_region, **config})
    program = program_dir / "__main__.py"
    missing = _missing_part(program_dir, layer)
    if missing:
        raise LayerFailed(missing, layer)
    try:
        with (warnings.catch_warnings(record=True) as caught, chdir(program_dir),
              dials_read_by(fake_dials), no_source_positions()):
            # Registers the stack's root resource: inside, so its stack is not captured either.
            pulumi.runtime.set_mocks(mocks, project=layer, stack=environment, preview=False,
                                     logger=logger, monitor=monitor, organization=ORGANIZATION)
            warnings.simplefilter("always")
            try:
                _sync_await(run_pulumi_func(lambda: _run_program(program)))
            except pulumi.RunError as error:
                raise LayerFailed(str(error), layer) from None
            except Exception as error:  # a bug in the program: its own frames, not the framework's
                raise LayerFailed(_program_failure(error, program_dir), layer) from None
            root = runtime_settings.get_root_resource()
            stack_outputs = getattr(root, "outputs", {})
            values, secrets = {}, set()
            for key, value in stack_outputs.items():
                values[key], secret = _resolve(value)
                if secret:
                    secrets.add(key)
        # pulumi-aws reports deprecated resources and arguments through the engine log (kept
        # above); its Python warnings fire on import, whatever the program uses.
        messages.extend(str(w.message) for w in caught if _ours(w.filename))
    finally:
        logger.removeHandler(handler)
    # Registrations arrive from the SDK's worker threads: sort so plans are reproducible.
    records = sorted(monitor.records, key=lambda record: record["urn"])
    return LayerRun(layer, StackOutputs(values, secrets), records, messages)
