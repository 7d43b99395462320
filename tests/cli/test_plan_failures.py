"""A broken layer folder, a bug in a layer program, a full disk: one header line (and the
program's own frames), the right exit code, no framework traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared.cli.common import EXIT_FAILED
from shared.cli.plan import plan


def _failure(**options) -> str:
    with pytest.raises(Exit) as stopped:
        plan(Context(), env="dev", **options)
    assert stopped.value.code == EXIT_FAILED
    return str(stopped.value.message)


HEADER = "error: layer network-primary failed: "


@pytest.mark.parametrize(("remove", "expected"), [
    ("network-primary/__main__.py", HEADER + "stacks/network-primary/__main__.py is missing; "
                                    "restore it: git checkout -- stacks/network-primary/__main__.py"),
    ("network-primary/Pulumi.yaml", HEADER + "stacks/network-primary/Pulumi.yaml is missing; "
                                    "restore it: git checkout -- stacks/network-primary/Pulumi.yaml"),
    ("network-primary", HEADER + "its folder stacks/network-primary/ is missing; "
                        "restore it: git checkout -- stacks/network-primary"),
])
def test_a_missing_part_of_a_layer_is_one_line_naming_it(stacks, remove, expected):
    target = stacks / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    assert _failure(layer="network-primary") == expected


def test_a_bug_in_a_layer_program_is_a_header_and_the_program_s_own_frames(stacks):
    program = stacks / "network-primary" / "__main__.py"
    program.write_text(program.read_text() + "\nraise ValueError('boom\\n in network')\n")
    lines = _failure(layer="network-primary").splitlines()
    last = len(program.read_text().splitlines())
    assert lines == ["error: layer network-primary failed: ValueError: boom in network",
                     f"  stacks/network-primary/__main__.py:{last} in <module>: "
                     "raise ValueError('boom\\n in network')"]


def test_a_full_disk_under_out_is_one_line_and_no_half_written_plan():
    assert _failure(layer="network-primary", out="/dev/full") == (
        "error: --out /dev/full: could not write the plan (No space left on device); free some space "
        "or write elsewhere")


def test_the_command_line_shows_only_that_line():
    # Through invoke as a person runs it: no "Traceback" on stderr, exit 1.
    done = subprocess.run([sys.executable, "-m", "invoke", "plan", "--env", "dev",
                           "--layer", "network-primary", "--out", "/dev/full"],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == EXIT_FAILED
    assert done.stderr.strip().splitlines() == [
        "error: --out /dev/full: could not write the plan (No space left on device); free some space "
        "or write elsewhere"]
