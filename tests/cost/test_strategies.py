"""`invoke cost --compare-strategies`: each strategy priced from its own plan."""

import pytest

from shared.cost.book import load_price_book
from shared.cost.strategies import compare_strategies, render_strategies
from tests.cost.test_estimate import HOURS, invoke, quantity
from tests.support import plan_of

SECONDARY = "us-east-2"


def plan_for(overrides):
    return plan_of("dev", **{key.removeprefix("dr:"): value for key, value in overrides.items()})


@pytest.fixture(scope="module")
def costs():
    return compare_strategies("dev", {"dr:auroraMinAcu": "2", "dr:auroraMaxAcu": "4"}, plan_for,
                              load_price_book())


def test_the_secondary_bills_capacity_by_strategy(costs):
    acu = {name: quantity(result, "aurora-serverless-acu-hour", "data", SECONDARY)
           for name, result in costs.estimates.items()}
    assert acu == {"pilot-light": 0, "warm-standby": 0.5 * HOURS, "hot-standby": 2 * HOURS}
    # The primary pays for its writer whatever the secondary does.
    assert {quantity(r, "aurora-serverless-acu-hour", "data", "us-east-1")
            for r in costs.estimates.values()} == {2 * HOURS}


def test_only_the_data_layer_differs_and_the_ladder_is_ordered(costs):
    pilot, warm, hot = (costs.estimates[n] for n in ("pilot-light", "warm-standby", "hot-standby"))
    assert pilot.total < warm.total < hot.total
    price = load_price_book().charges["aurora-serverless-acu-hour"].price
    assert hot.total - warm.total == pytest.approx(1.5 * HOURS * price)
    assert {k: v for k, v in pilot.by_layer().items() if k != "data"} == \
        {k: v for k, v in hot.by_layer().items() if k != "data"}


def test_the_table_marks_the_current_strategy_and_states_each_rto(costs):
    table = render_strategies(costs)
    assert "| | pilot-light | warm-standby | hot-standby (current) |" in table
    assert "| expected recovery time | tens of minutes | minutes | seconds to minutes |" in table
    assert costs.to_json()["strategies"]["pilot-light"]["monthly_total"] == \
        round(costs.estimates["pilot-light"].total, 2)


def test_a_bad_strategy_is_one_line_before_anything_is_planned():
    done = invoke("--env", "dev", "--compare-strategies", "--set", "dr:strategy=cold")
    assert done.returncode == 2
    assert done.stderr.strip() == ("error: dr:strategy: 'cold' is not allowed; use pilot-light "
                                   "or warm-standby or hot-standby")
