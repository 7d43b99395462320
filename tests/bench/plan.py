"""Benchmark: `invoke plan` and `invoke plan --compare REF` wall time, as a person types them.

Not a test (it only measures). Run on an idle machine, from the repository with its .venv:

    .venv/bin/python -m tests.bench.plan fresh         # every layer planned (target <= 2.5 s)
    .venv/bin/python -m tests.bench.plan cached        # unchanged tree, layers from the cache
    .venv/bin/python -m tests.bench.plan compare-warm  # base planned before (target <= 3 s)
    .venv/bin/python -m tests.bench.plan compare-cold  # nothing cached (target <= 5 s)

Each round is a new `invoke` process (interpreter start-up included) with its own runs folder,
so the repository's .runs/ is neither read nor written; "warm" and "cached" rounds follow one
priming run. Prints every round, the median, the target and the load average before and
after: a figure started with a load average above half the cores is flagged as not comparable.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"fresh": 2.5, "cached": 2.5, "compare-warm": 3.0, "compare-cold": 5.0}


def command(mode: str, env: str, ref: str) -> list[str]:
    base = [sys.executable, "-m", "invoke", "plan", "--env", env]
    if mode == "fresh":
        return [*base, "--fresh"]
    if mode == "cached":
        return base
    return [*base, "--compare", ref]


def once(argv: list[str], runs: Path) -> float:
    environ = {**os.environ, "DR_RUNS_DIR": str(runs)}
    environ.pop("DR_PLAN_CACHE", None)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=environ, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[2:])} failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=sorted(TARGETS))
    parser.add_argument("--env", default="dev")
    parser.add_argument("--ref", default="HEAD~1", help="the base revision of compare modes")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    argv = command(args.mode, args.env, args.ref)
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    times = []
    with tempfile.TemporaryDirectory(prefix="dr-bench-") as folder:
        shared_runs = Path(folder) / "shared"
        if args.mode in ("cached", "compare-warm"):
            once(argv, shared_runs)  # priming: fills the layer and base-revision caches
        for round_ in range(args.rounds):
            # cold and fresh rounds start from an empty runs folder (no plan cache at all)
            runs = shared_runs if args.mode in ("cached", "compare-warm") else Path(folder) / str(round_)
            times.append(once(argv, runs))
    load_after = os.getloadavg()[0]
    median = statistics.median(times)
    # The load after includes the rounds themselves (a fresh plan keeps both cores busy): only
    # what ran before the first round says whether something else shared the machine.
    busy = load_before > cores / 2
    print(f"{' '.join(['invoke', *argv[3:]])}: " + ", ".join(f"{t:.2f}" for t in times)
          + f" s; median {median:.2f} s (target <= {TARGETS[args.mode]:g} s: "
          + ("met" if median <= TARGETS[args.mode] else "NOT met") + ")")
    print(f"load average {load_before:.2f} before, {load_after:.2f} after, {cores} cores"
          + ("  -- machine busy: not a comparable figure" if busy else ""))


if __name__ == "__main__":
    main()
