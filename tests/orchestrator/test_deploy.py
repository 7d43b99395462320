"""deploy-all / destroy-all / preview-all / up / destroy over the stand-in CLI, end to end."""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import pytest
from invoke import Context
from invoke.exceptions import Exit

from shared import graph
from shared.cli.deploy import deploy_all, destroy, destroy_all, preview_all, up
from shared.contracts import LAYERS
from shared.orchestrator.stack_state import MARK
from tests.orchestrator.conftest import Standin

NETWORKS = "network-primary,network-secondary"
# Layers of one wave: the stand-in makes each wait until its partners run (or fails), so
# "they overlapped" is a fact of the run, not of how fast this machine happens to be.
WAVES = "network-primary,network-secondary;global-traffic,data"


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """On the stand-in's logical clock: each started before the other ended."""
    return a["start"] < b["end"] and b["start"] < a["end"]


def deploy(standin: Standin, **options: Any) -> None:
    deploy_all(Context(), env=options.pop("env", "dev"), yes=True, backend=standin.backend, **options)


def test_deploy_all_runs_every_layer_after_what_it_reads_and_independent_layers_together(standin):
    standin.set(together=WAVES)
    deploy(standin)
    ups = standin.by_layer("up")
    assert set(ups) == set(LAYERS)
    for layer, call in ups.items():
        for upstream in graph.dependencies(layer):
            assert ups[upstream]["end"] <= call["start"], f"{layer} started before {upstream} ended"
    assert overlap(ups["network-primary"], ups["network-secondary"])
    assert overlap(ups["global-traffic"], ups["data"])


def test_each_layer_runs_in_its_folder_on_its_env_stack_with_one_backend_and_passphrase(standin):
    deploy(standin)
    for call in standin.ran("up"):
        assert call["argv"][:6] == ["up", "--stack", "dev", "--non-interactive", "--yes", "--message"]
        assert MARK.search(call["argv"][6]), "the update must carry its inputs' fingerprint"
        assert call["backend"] == standin.backend and call["passphrase"]
    selects = [c for c in standin.calls() if c["argv"][:2] == ["stack", "select"]]
    assert {c["layer"] for c in selects} == set(LAYERS)
    assert all({"--create", "dev"} <= set(c["argv"]) for c in selects)
    assert all(c["argv"][c["argv"].index("--secrets-provider") + 1] == "passphrase" for c in selects)


def test_each_pulumi_start_up_is_spent_once(standin):
    """Every `pulumi` call is a process start on the critical path: a layer's outputs are read
    once per run however many layers read them at once, and a stack is selected only to
    create it."""
    deploy(standin)
    reads = [c["layer"] for c in standin.calls() if c["argv"][:2] == ["stack", "output"]]
    assert sorted(reads) == sorted(set(reads)), "a layer's outputs read twice in one run"
    standin.forget_calls()
    deploy(standin, fresh=True)  # every layer runs again, on stacks that exist
    assert [c for c in standin.calls() if c["argv"][:2] == ["stack", "select"]] == []
    assert set(standin.layers("up")) == set(LAYERS)


def test_later_layers_state_is_read_while_the_first_wave_deploys(standin):
    """A layer's turn waits only for its upstream outputs: the backend's view of its stack was
    read while the layers before it were deploying."""
    standin.set(sleep="1")
    deploy(standin, only="network-primary,network-secondary,global-traffic,data")
    first_wave_done = min(call["end"] for layer, call in standin.by_layer("up").items()
                          if layer.startswith("network-"))
    listed = {c["layer"]: c for c in standin.calls() if c["argv"][:2] == ["stack", "ls"]}
    assert listed["global-traffic"]["end"] < first_wave_done
    assert listed["data"]["end"] < first_wave_done


def test_a_lock_taken_after_the_read_ahead_is_seen_at_the_layers_turn(standin, capsys):
    deploy(standin)  # the stacks exist
    standin.forget_calls()
    standin.set(sleep="1")
    lock = standin.root / "state" / ".pulumi" / "locks" / "organization" / "global-traffic" / "dev"

    def read_ahead_done() -> bool:
        try:
            return any(c["layer"] == "global-traffic" and c["argv"][:2] == ["stack", "history"]
                       for c in standin.calls())
        except json.JSONDecodeError:  # a line being written
            return False

    def lock_after_the_read() -> None:  # an update of global-traffic starts elsewhere meanwhile
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not read_ahead_done():
            time.sleep(0.01)
        lock.mkdir(parents=True, exist_ok=True)
        (lock / "0f3c.json").write_text(json.dumps(
            {"pid": 4242, "username": "ci", "hostname": "runner-7", "timestamp": "2026-12-05T05:00:00Z"}))

    taker = threading.Thread(target=lock_after_the_read)
    taker.start()
    with pytest.raises(Exit):
        deploy(standin, fresh=True, only="network-primary,network-secondary,global-traffic")
    taker.join()
    # The holder and the fix, found at its turn: not Pulumi's refusal after the update started.
    out = capsys.readouterr().out
    assert "global-traffic: failed" in out and "locked by ci@runner-7 (pid 4242)" in out
    assert "pulumi cancel --stack dev --yes" in out


def test_a_layer_never_reached_gets_no_stack(standin):
    standin.set(fail="network-primary")
    with pytest.raises(Exit):
        deploy(standin)
    created = {c["layer"] for c in standin.calls() if c["argv"][:2] == ["stack", "select"]}
    assert created == set(standin.layers("up")) == {"network-primary", "network-secondary"}


def test_summary_table_shows_result_duration_and_resources_changed(standin, capsys):
    deploy(standin, report=str(standin.root / "report.json"))
    out = capsys.readouterr().out
    table = out[out.index("layer  "):]
    for layer in LAYERS:
        assert any(line.startswith(layer) and " done " in line and "+3 ~1" in line
                   for line in table.splitlines())
    report = json.loads((standin.root / "report.json").read_text())
    assert report["ok"] and {entry["layer"] for entry in report["layers"]} == set(LAYERS)
    assert all(entry["changes"] == {"created": 3, "updated": 1, "unchanged": 5} for entry in report["layers"])


def test_a_failed_layer_stops_only_its_dependents_and_the_exit_names_it_and_its_log(standin, capsys):
    standin.set(fail="data")
    with pytest.raises(Exit) as stopped:
        deploy(standin)
    assert stopped.value.code == 1
    message = str(stopped.value.message)
    assert "data" in message and str(standin.log("dev", "data")) in message
    assert "injected failure" in standin.log("dev", "data").read_text()
    assert set(standin.layers("up")) == {"network-primary", "network-secondary", "global-traffic", "data"}
    out = capsys.readouterr().out
    assert "compute: skipped" in out and "needs data, which failed" in out
    assert "monitoring: skipped" in out


def test_running_again_resumes_with_the_layers_not_yet_deployed(standin, capsys):
    standin.set(fail="data")
    with pytest.raises(Exit):
        deploy(standin)
    standin.set(fail="")
    standin.forget_calls()
    deploy(standin)
    assert standin.layers("up") == ["data", "compute", "monitoring", "recovery"]
    assert "network-primary: unchanged" in capsys.readouterr().out


def test_new_upstream_outputs_update_dependents_and_only_warns_about_the_ones_it_leaves(standin, capsys):
    deploy(standin)
    standin.set(output_suffix="-v2")
    standin.forget_calls()
    deploy(standin, only="network-primary", fresh=True)
    assert standin.layers("up") == ["network-primary"]
    warning = capsys.readouterr().err
    assert "network-primary published new outputs" in warning
    assert "compute, data, global-traffic, monitoring, recovery" in warning
    standin.forget_calls()
    deploy(standin)
    assert set(standin.layers("up")) == {"global-traffic", "data", "compute", "monitoring", "recovery"}


def test_from_deploys_a_layer_and_everything_that_reads_it(standin):
    deploy(standin)
    standin.forget_calls()
    deploy(standin, from_="global-traffic", fresh=True)
    assert standin.layers("up") == ["global-traffic", "compute", "monitoring", "recovery"]


def test_from_and_only_together_are_refused(standin):
    with pytest.raises(Exit, match="give one of them"):
        deploy(standin, only="data", from_="data")


def test_parallel_bounds_how_many_layers_run_at_once(standin):
    deploy(standin, parallel=1, only="network-primary,network-secondary")
    ups = standin.ran("up")
    assert not any(overlap(a, b) for i, a in enumerate(ups) for b in ups[i + 1:])


def test_destroy_all_walks_the_graph_backwards(standin):
    standin.set(together=NETWORKS)
    deploy(standin)
    destroy_all(Context(), env="dev", yes=True, backend=standin.backend)
    gone = standin.by_layer("destroy")
    assert set(gone) == set(LAYERS)
    for layer, call in gone.items():
        for upstream in graph.dependencies(layer):
            assert call["end"] <= gone[upstream]["start"], f"{upstream} destroyed before {layer}"
    assert overlap(gone["network-primary"], gone["network-secondary"])


def test_destroy_all_refuses_a_protected_environment_even_with_yes(standin):
    with pytest.raises(Exit, match="protects its data") as refused:
        destroy_all(Context(), env="prod", yes=True, backend=standin.backend)
    assert "--allow-data-loss" in str(refused.value.message)
    assert standin.ran("destroy") == []


def test_destroy_all_on_a_protected_environment_with_allow_data_loss_destroys(standin, capsys):
    # Protected stacks refuse a plain `pulumi destroy`: --allow-data-loss lifts the protection
    # (what is kept stays in AWS through retain_on_delete) right before each layer's destroy.
    standin.set(protected=NETWORKS)
    deploy(standin, env="prod", only=NETWORKS)
    destroy_all(Context(), env="prod", yes=True, allow_data_loss=True, backend=standin.backend)
    assert set(standin.layers("destroy")) == {"network-primary", "network-secondary"}
    lifted = {c["layer"]: c for c in standin.calls() if c["argv"][:3] == ["state", "unprotect", "--all"]}
    for layer, destroyed in standin.by_layer("destroy").items():
        assert lifted[layer]["end"] <= destroyed["start"]
        assert "--stack" in lifted[layer]["argv"] and "prod" in lifted[layer]["argv"]
    assert re.search(r"monitoring: unchanged in \S+ \(no stack: nothing to destroy\)",
                     capsys.readouterr().out)


def test_destructive_tasks_without_yes_and_without_a_terminal_ask_for_yes(standin):
    with pytest.raises(Exit, match="pass --yes"):
        destroy_all(Context(), env="dev", backend=standin.backend)
    with pytest.raises(Exit, match="pass --yes"):
        deploy_all(Context(), env="dev", backend=standin.backend)
    assert standin.ran("destroy") == [] and standin.ran("up") == []
    # Nothing is read ahead before a person has answered: a prompt can stay open for long.
    assert [c for c in standin.calls() if c["argv"][:2] == ["stack", "ls"]] == []


def test_destroy_one_layer_refuses_while_a_layer_reading_it_is_deployed(standin):
    deploy(standin, only=f"{NETWORKS},global-traffic")
    with pytest.raises(Exit, match="global-traffic still read network-primary"):
        destroy(Context(), layer="network-primary", env="dev", yes=True, backend=standin.backend)
    destroy(Context(), layer="global-traffic", env="dev", yes=True, backend=standin.backend)
    assert standin.layers("destroy") == ["global-traffic"]


def test_destroy_one_layer_refuses_while_a_reader_holds_resources_but_no_outputs(standin, tmp_path):
    # A reader whose first update failed before the program exported anything still holds what
    # it created (here: resources brought in by import, which leaves the outputs empty).
    deploy(standin, only=NETWORKS)
    standin.by_hand("global-traffic", "stack", "select", "--create", "dev")
    kept = tmp_path / "import.json"
    kept.write_text(json.dumps({"resources": [
        {"type": "aws:globalaccelerator/accelerator:Accelerator", "name": "accelerator", "id": "a-1"}]}))
    standin.by_hand("global-traffic", "import", "--file", str(kept), "--stack", "dev", "--yes")
    with pytest.raises(Exit, match="global-traffic still read network-primary"):
        destroy(Context(), layer="network-primary", env="dev", yes=True, backend=standin.backend)
    assert standin.layers("destroy") == []


def test_destroy_one_layer_refuses_when_it_cannot_tell_whether_a_reader_is_deployed(standin):
    deploy(standin, only=f"{NETWORKS},global-traffic")
    standin.set(output_fail="global-traffic")  # e.g. a wrong passphrase: not "no stack"
    with pytest.raises(Exit, match="cannot tell whether global-traffic still reads.*incorrect passphrase"):
        destroy(Context(), layer="network-primary", env="dev", yes=True, backend=standin.backend)
    assert standin.layers("destroy") == []


def test_up_always_runs_its_one_layer(standin):
    deploy(standin, only=NETWORKS)
    standin.forget_calls()
    up(Context(), layer="network-primary", env="dev", yes=True, backend=standin.backend)
    assert standin.layers("up") == ["network-primary"]


def test_preview_all_on_a_fresh_environment_previews_what_it_can_and_skips_the_rest(standin, capsys):
    preview_all(Context(), env="dev", backend=standin.backend)
    assert set(standin.layers("preview")) == {"network-primary", "network-secondary"}
    out = capsys.readouterr().out
    assert "data: skipped" in out and "not deployed yet" in out and "invoke plan --env dev" in out
