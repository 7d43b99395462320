"""The invoke task index as a person meets it: `invoke --list` and `invoke --help <task>`."""

import copy
import subprocess
import sys
from collections import defaultdict

from invoke import Collection

import tasks
from shared.cli.common import SHORT_FLAGS
from shared.config import REPO_ROOT


def _tasks():
    collection = Collection.from_module(tasks)
    return {name: collection[name] for name in collection.task_names}


def _arguments(task):
    # invoke consumes a task's help while building its arguments: build them from a copy.
    return copy.deepcopy(task).get_arguments()


def test_a_short_flag_means_one_option_in_every_task():
    meanings = defaultdict(set)
    for task in _tasks().values():
        for argument in _arguments(task):
            for short in (n for n in argument.names if len(n) == 1):
                meanings[short].add(argument.name)
    assert {short: names for short, names in meanings.items() if len(names) > 1} == {}
    assert {short: next(iter(names)) for short, names in meanings.items()} == {
        v: k for k, v in SHORT_FLAGS.items()}


def test_every_task_s_list_line_is_a_whole_sentence():
    # `invoke --list` shows a docstring's first line only.
    for name, task in _tasks().items():
        first = (task.__doc__ or "").strip().splitlines()[0]
        assert first.endswith((".", "?", ")")), f"{name}: {first!r}"


def test_set_help_shows_what_value_it_takes():
    for name in ("plan", "check"):
        shown = subprocess.run([sys.executable, "-m", "invoke", "--help", name], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout
        (line,) = [line for line in shown.splitlines() if line.strip().startswith("--set")]
        assert line.split()[1].startswith("dr:KEY=VALUE"), line
