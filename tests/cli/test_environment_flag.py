"""--env: a task that changes a deployment names its environment; a read-only one says which it used."""

from __future__ import annotations

import pytest
from invoke import Collection, Context
from invoke.exceptions import Exit

import tasks
from shared.cli.common import EXIT_USAGE
from shared.cli.deploy import outputs
from shared.cli.plan import graph

# Every task that moves traffic or data, or creates or destroys resources.
CHANGING = {"deploy-all": {}, "destroy-all": {}, "up": {"layer": "data"}, "destroy": {"layer": "data"},
            "failover": {"to": "secondary"}, "failback": {}, "drill": {}, "redrive": {},
            "clean-leftovers": {}, "prove": {}, "adopt": {}, "unfence": {}}


def _task(name: str):
    return Collection.from_module(tasks)[name]


@pytest.mark.parametrize("name", sorted(CHANGING))
def test_a_task_that_changes_a_deployment_refuses_without_env(name):
    with pytest.raises(Exit) as stopped:
        _task(name)(Context(), **CHANGING[name])
    assert stopped.value.code == EXIT_USAGE
    assert str(stopped.value.message) == (f"error: invoke {name} changes a deployed environment: name it "
                                          f"with --env, e.g. invoke {name} --env prod")


def test_every_task_with_env_either_requires_it_or_is_read_only():
    collection = Collection.from_module(tasks)
    defaults = {name: collection[name].body.__kwdefaults__ or {} for name in collection.task_names}
    with_env = {name for name, task in ((n, collection[n]) for n in collection.task_names)
                if "env" in task.body.__code__.co_varnames[:task.body.__code__.co_argcount]}
    # No task defaults --env to an environment: the read-only ones resolve it and say so.
    assert {name: defaults[name].get("env") for name in with_env if defaults[name].get("env")} == {}
    assert set(CHANGING) <= with_env


def test_a_read_only_task_says_which_environment_it_uses(standin, capsys):
    with pytest.raises(Exit):
        outputs(Context(), backend=standin.backend)
    assert "environment: dev (the default; choose another with --env)" in capsys.readouterr().err


def test_graph_with_env_marks_the_layers_that_deploy_nothing_there(capsys):
    graph(Context(), env="dev")  # dev leaves dr:regionSwitchPlan off: the recovery layer is empty
    assert 'recovery["recovery (deploys nothing)"]:::empty' in capsys.readouterr().out
    graph(Context(), env="prod", format="dot")
    shown = capsys.readouterr().out
    assert "deploys nothing" not in shown and '"monitoring" -> "recovery";' in shown
    with pytest.raises(Exit) as stopped:
        graph(Context(), env="prd")
    assert stopped.value.code == EXIT_USAGE and "did you mean prod?" in str(stopped.value.message)
