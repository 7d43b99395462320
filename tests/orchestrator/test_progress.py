"""The live display on a terminal redraws one line per layer; the summary reads as a table."""

from __future__ import annotations

import io

from shared.orchestrator.progress import Progress, summary
from shared.orchestrator.scheduler import DONE, FAILED, Outcome, RunResult


def test_live_display_redraws_each_layer_in_place_and_ends_on_the_results():
    stream = io.StringIO()
    with Progress("deploy", ["network-primary", "data"], stream=stream, live=True) as progress:
        progress.started("network-primary")
        progress.finished(Outcome("network-primary", DONE, seconds=75.0))
        progress.finished(Outcome("data", FAILED, seconds=2.0))
    frame = stream.getvalue().rsplit("\x1b[F", 1)[-1]
    assert "network-primary  done 1m15s" in stream.getvalue()
    assert "data             failed 2.0s" in frame
    assert "[" not in stream.getvalue().replace("\x1b[", "")  # no plain timestamped lines on a terminal


def test_summary_has_a_row_per_layer_with_changes():
    result = RunResult({"data": Outcome("data", DONE, 3.0, {"created": 2, "deleted": 1, "unchanged": 4})},
                       seconds=3.2)
    lines = summary(result, ["data"]).splitlines()
    assert lines[0].split() == ["layer", "result", "duration", "changed"]
    assert lines[2].split() == ["data", "done", "3.0s", "+2", "-1"]
    assert lines[-1] == "wall time 3.2s"
