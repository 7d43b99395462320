"""Who-writes alarms in each region: an authority unreadable past its bound (in the composite
"region impaired": writes are refused there alone) and a move stuck longer than any move takes
(not in the composite: it refuses writes in both regions and no region switch fixes it)."""

import re

import pytest

from shared.components.alarms import STUCK_MOVE_SECONDS
from shared.components.metrics import APPLICATION_NAMESPACE
from shared.components.region_switch import AURORA_TIMEOUT_MINUTES, LAMBDA_TIMEOUT_MINUTES
from shared.ops.aws.authority import DRAIN_SECONDS
from shared.ops.aws.waiting import Timeouts
from tests.stacks.test_error_rate_alarms import COMPOSITE, ROLES
from tests.stacks.test_error_rate_alarms import rate_alarm as alarm
from tests.support import one, resources


def composite_members(plan, region):
    composite = one(resources(plan, "monitoring", COMPOSITE, region))
    return re.findall(r'ALARM\("([^"]+)"\)', composite["inputs"]["alarmRule"])


@pytest.mark.parametrize("region", ROLES.values())
def test_an_unreadable_authority_alarms_and_impairs_its_region(dev_plan, region):
    inputs = alarm(dev_plan, "authority-unreadable", region)["inputs"]
    assert (inputs["namespace"], inputs["metricName"], inputs["dimensions"], inputs["statistic"]) == (
        APPLICATION_NAMESPACE, "AuthorityUnreadable", {"Environment": "dev"}, "Sum")
    assert (inputs["comparisonOperator"], inputs["threshold"]) == ("GreaterThanOrEqualToThreshold", 1)
    assert inputs["treatMissingData"] == "notBreaching"  # published only while it is unreadable
    assert inputs["name"] in composite_members(dev_plan, region)


@pytest.mark.parametrize("region", ROLES.values())
def test_a_stuck_move_alarms_in_each_region_outside_the_composite(dev_plan, region):
    inputs = alarm(dev_plan, "authority-move-stuck", region)["inputs"]
    assert (inputs["metricName"], inputs["statistic"], inputs["dimensions"]) == (
        "AuthorityMoveSeconds", "Maximum", {"Environment": "dev"})
    assert (inputs["comparisonOperator"], inputs["threshold"]) == ("GreaterThanThreshold", STUCK_MOVE_SECONDS)
    assert inputs["name"] not in composite_members(dev_plan, region)


def test_the_stuck_move_bound_is_longer_than_any_move_takes():
    # The Region switch plan: fence step, Aurora step, traffic step, each to its timeout.
    plan_move = (2 * LAMBDA_TIMEOUT_MINUTES + AURORA_TIMEOUT_MINUTES) * 60
    # The client side: the fence (replica wait + drain), the database, then traffic or parameter.
    t = Timeouts()
    client_move = t.parameter + DRAIN_SECONDS + t.database + max(t.traffic, t.parameter)
    assert max(plan_move, client_move) < STUCK_MOVE_SECONDS
    assert max(plan_move, client_move) + 15 * 60 >= STUCK_MOVE_SECONDS  # and not much longer
