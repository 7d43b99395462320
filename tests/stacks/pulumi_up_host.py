"""Start one layer program the way Pulumi's Python language host does, under the mock runtime.

Run by tests/stacks/test_as_pulumi_up.py with the interpreter the layer's Pulumi.yaml names
(`runtime.options.virtualenv`), in the layer's folder, with no PYTHONPATH: the language host's
exec shim (pulumi/pulumi, sdk/python/cmd/pulumi-language-python-exec) imports `pulumi`, reads
the stack config from PULUMI_CONFIG and runs the program with `runpy.run_path(program,
run_name="__main__")` from its folder. Here the engine is Pulumi's mock monitor, answered by
the offline plan's fake AWS, and the StackReferences by the upstream outputs in argv[1].

Prints one JSON object: the outputs the program exported and every file of the repository it
imported or opened while it ran (an audit hook), for the fingerprint to be checked against;
the repository modules the fakes had imported first are imported again by the program.
"""

import importlib.abc
import importlib.machinery
import json
import os
import runpy
import sys
from pathlib import Path

try:
    import pulumi
    from pulumi.runtime import mocks
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await
except ImportError:
    sys.exit(f"the Pulumi SDK is not installed in {sys.prefix}: `pulumi up` would fail the same way")

from shared.plan.fakes import Fake, fake_call
from shared.plan.fakes.global_traffic import live_dials

DIALS = "shared.components.traffic_dials"
opened: set[str] = set()


def _forget_what_the_fakes_imported() -> None:
    """The fakes import repository modules (shared.naming, shared.ops.aws.clients, the dials
    module...): forgotten, so the program imports and opens them again under the audit hook
    and a file only it loads is never hidden. The fakes keep their own copies."""
    for name in [name for name in sys.modules if name.split(".")[0] == "shared"
                 and not name.startswith("shared.plan")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _FakeDials())


class _FakeDials(importlib.abc.MetaPathFinder):
    """The program's own copy of the dials module reads the fake world's dials (as
    `dials_read_by` does for the offline plan), not Global Accelerator."""

    def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201
        if name != DIALS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module

        def exec_module(module) -> None:  # noqa: ANN001
            run(module)
            module._readers.append(live_dials)

        spec.loader.exec_module = exec_module
        return spec


def _audit(event: str, args: tuple) -> None:
    if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
        opened.add(os.fsdecode(args[0]))


class Mocks(mocks.Mocks):
    def __init__(self, upstream: dict, region: str) -> None:
        self.upstream, self.region = upstream, region

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple:
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs.get("name", args.name)
            found = self.upstream.get(name.split("/")[1], {"values": {}, "secrets": []})
            return name, {"name": name, "outputs": found["values"],
                          "secretOutputNames": found["secrets"]}
        region = args.inputs.get("region") or self.region
        seed = f"{pulumi.get_stack()}/{pulumi.get_project()}/{args.typ}/{args.name}"
        return Fake(args.typ, args.name, dict(args.inputs), region, seed).outputs()

    def call(self, args: mocks.MockCallArgs) -> tuple:
        try:
            return fake_call(args.token, dict(args.args), self.region) or {}, []
        except LookupError as missing:  # a failed read, as the plan's runtime reports it
            return {}, [("", str(missing))]


def main() -> None:
    upstream = json.loads(Path(sys.argv[1]).read_text())
    project, stack, region = sys.argv[2:5]
    program = Path.cwd() / "__main__.py"
    _forget_what_the_fakes_imported()
    before = {m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
    sys.addaudithook(_audit)
    pulumi.runtime.set_mocks(Mocks(upstream, region), project=project, stack=stack, preview=False,
                             organization="organization")
    sys.path.insert(0, str(program.parent))
    _sync_await(run_pulumi_func(lambda: runpy.run_path(str(program), run_name="__main__")))
    root = runtime_settings.get_root_resource()
    outputs = {key: _sync_await(pulumi.Output.from_input(value).future())
               for key, value in getattr(root, "outputs", {}).items()}
    imported = {m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
    print(json.dumps({"outputs": outputs, "loaded": sorted(opened | (imported - before)),
                      "prefix": sys.prefix}, default=str))


if __name__ == "__main__":
    main()
