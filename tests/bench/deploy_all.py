"""Benchmark: the deploy-all task over the stand-in pulumi, each layer's `up` taking SECONDS
and every `pulumi` call STARTUP seconds more (the real CLI's own start-up; 0 by default).

Not a test (it sleeps on purpose). Run: .venv/bin/python -m tests.bench.deploy_all [SECONDS
[STARTUP]]. It prints the wall time against the critical path (waves x (SECONDS + STARTUP):
the updates themselves, one after the other) and the serial sum. The task runs in this
process (AWS answered by moto), every `pulumi` call is a real subprocess.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import boto3
from invoke import Context
from moto import mock_aws

import shared.config
from shared import graph
from shared.cli.deploy import deploy_all
from shared.contracts import LAYERS
from tests.orchestrator.standin_pulumi import install
from tests.support import copy_stacks

# What deploy-all asks AWS before the first layer (who the caller is, API Gateway's account
# setting, the writer cluster's capacity), each as one cheap read of that service.
EMULATED = {"sts": ("get_caller_identity", {}), "apigateway": ("get_account", {}),
            "rds": ("describe_global_clusters", {})}


def main(seconds: float, startup: float = 0.0) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        # Like the real CLI the stand-in writes Pulumi.<env>.yaml into the layer folders: a copy.
        shared.config.STACKS_DIR = copy_stacks(root)
        install(root / "bin")
        os.environ.update({"PATH": f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}",
               "STANDIN_RECORD": str(root / "calls.jsonl"),
               "STANDIN_SLEEP": str(seconds), "STANDIN_STARTUP": str(startup),
               "PULUMI_CONFIG_PASSPHRASE": "bench",
               "STANDIN_NEEDS": json.dumps({n: list(graph.dependencies(n)) for n in LAYERS}),
               "DR_RUNS_DIR": str(root / "runs"), "AWS_ACCESS_KEY_ID": "bench",
               "AWS_SECRET_ACCESS_KEY": "bench"})
        os.environ.pop("PULUMI_BACKEND_URL", None)
        with mock_aws(), contextlib.redirect_stdout(io.StringIO()):
            # moto imports a service's emulator and sets it up on its first call (RDS: over a
            # second of Python): done before the clock starts, as real AWS has nothing to load.
            for service, (call, arguments) in EMULATED.items():
                getattr(boto3.client(service, region_name="us-east-1"), call)(**arguments)
            started = time.monotonic()
            deploy_all(Context(), env="dev", yes=True, backend=f"file://{root / 'state'}")
            wall = time.monotonic() - started
        calls = len((root / "calls.jsonl").read_text().splitlines())
    critical = len(graph.waves()) * (seconds + startup)
    serial = len(LAYERS) * (seconds + startup)
    ratio = f"{wall / critical:.3f} x the critical path" if critical else "no critical path"
    print(f"deploy-all, {len(LAYERS)} layers x {seconds:g}s, {startup:g}s a call: wall {wall:.2f}s = {ratio} "
          f"({critical:g}s, {len(graph.waves())} waves); overhead {wall - critical:.2f}s for "
          f"{calls} pulumi calls; serial sum {serial:g}s")


if __name__ == "__main__":
    main(*(float(value) for value in sys.argv[1:3] or ["2"]))
