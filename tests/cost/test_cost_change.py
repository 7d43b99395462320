"""plan --compare shows what a change does to the monthly bill, priced like `invoke cost`."""

from __future__ import annotations

import json

from shared.cost.book import load_price_book
from shared.cost.change import cost_change
from shared.cost.estimate import estimate
from shared.plan import compare_report
from shared.plan.compare import compare_plans
from tests.support import plan_of


def _document(plan):
    return json.loads(json.dumps(plan.to_json(), default=str))


def test_a_third_az_costs_more_in_the_network_layers_and_the_same_as_invoke_cost_says():
    book = load_price_book()
    two, three = plan_of("dev"), plan_of("dev", azCount="3")
    change = cost_change(_document(two), _document(three), book)
    # The same totals `invoke cost` computes from each plan.
    for plan, total in ((two, change.before), (three, change.after)):
        priced = estimate("dev", [(run.name, run.resources) for run in plan.runs], book)
        assert round(total, 2) == round(priced.total, 2)
    assert change.delta > 0
    assert {"network-primary", "network-secondary"} <= set(change.by_layer)
    assert "global-traffic" not in change.by_layer  # unchanged layers are not listed
    before, after = change.by_layer["network-primary"]
    assert after > before
    percent = change.delta / change.before
    assert change.line() == (f"Monthly cost: ${change.before:,.2f} -> ${change.after:,.2f} "
                             f"(+${change.delta:,.2f}, +{percent:.1%}) (standing charges)")


def test_no_change_says_unchanged():
    document = _document(plan_of("dev"))
    line = cost_change(document, document, load_price_book()).line()
    assert line.startswith("Monthly cost: unchanged at $")


def test_the_pull_request_comment_shows_the_cost_under_the_totals():
    before, after = _document(plan_of("dev")), _document(plan_of("dev", azCount="3"))
    change = cost_change(before, after, load_price_book())
    comment = compare_report.markdown(compare_plans(before, after, "HEAD~1", "0" * 40), change.markdown())
    lines = comment.splitlines()
    totals = next(i for i, line in enumerate(lines) if line.startswith("**") and "to add" in line)
    assert lines[totals + 2] == f"**{change.line()}**"
    assert "| `network-primary` | $" in comment and "usage charges (requests, GB) not included" in comment
    text = compare_report.text(compare_plans(before, after, "HEAD~1", "0" * 40), change.line())
    assert text.splitlines()[1] == f"  {change.line()}"
