"""docs/cli-flags.md lists exactly the tasks that take each shared flag, and their real choices."""

from __future__ import annotations

import copy
import re

import pytest
from invoke import Collection, Context
from invoke.exceptions import Exit

import tasks
from shared.config import REPO_ROOT

SHARED = {"format", "region", "from-region", "layer", "only", "from"}


def _documented() -> dict[tuple[str, str], str]:
    rows = re.findall(r"^\| `invoke ([a-z-]+)` \| `--([a-z-]+)` \| (.+) \|$",
                      (REPO_ROOT / "docs" / "cli-flags.md").read_text(), flags=re.M)
    return {(task, flag): rest for task, flag, rest in rows}


def _options() -> set[tuple[str, str]]:
    collection = Collection.from_module(tasks)
    found = set()
    for name in collection.task_names:
        # invoke consumes a task's help while building its arguments: build them from a copy.
        for argument in copy.deepcopy(collection[name]).get_arguments():
            flag = argument.name.replace("_", "-").strip("-")
            if flag in SHARED:
                found.add((name, flag))
    return found


def test_every_task_taking_a_shared_flag_is_in_the_reference_and_nothing_else():
    assert set(_documented()) == _options()


@pytest.mark.parametrize("task", ["plan", "status", "cost", "outputs", "graph"])
def test_the_documented_format_choices_are_the_ones_the_task_accepts(task):
    choices = re.findall(r"`([a-z]+)`", _documented()[(task, "format")].split(":")[0])
    with pytest.raises(Exit) as stopped:
        Collection.from_module(tasks)[task](Context(), format="nope")
    message = str(stopped.value.message)
    assert sorted(re.findall(r"\b(" + "|".join(choices) + r")\b", message.split("not")[0])) == \
        sorted(set(choices)), message
