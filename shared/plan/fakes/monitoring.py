"""Fake identities of the monitoring layer's resources: topics, keys, alarms, dashboards."""

from __future__ import annotations

from typing import Any

from shared.plan.fakes.core import ACCOUNT_ID, Fake, builds, fake_uuid


@builds("aws:sns/topic:Topic")
def _topic(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    arn = f"arn:aws:sns:{fake.region}:{ACCOUNT_ID}:{name}"
    state.update(arn=arn, owner=ACCOUNT_ID)
    return arn, state


@builds("aws:sns/topicSubscription:TopicSubscription")
def _subscription(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    topic = str(state.get("topic", f"arn:aws:sns:{fake.region}:{ACCOUNT_ID}:{name}"))
    # E-mail subscriptions wait for the recipient; AWS reports this literal until then.
    pending = state.get("protocol") in ("email", "email-json")
    arn = "pending confirmation" if pending else f"{topic}:{fake_uuid(fake.seed)}"
    state.update(arn=arn, ownerId=ACCOUNT_ID, pendingConfirmation=pending)
    return arn, state


@builds("aws:sns/topicPolicy:TopicPolicy")
def _topic_policy(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    state["owner"] = ACCOUNT_ID
    return str(state.get("arn", name)), state


@builds("aws:cloudwatch/metricAlarm:MetricAlarm")
def _metric_alarm(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    state["arn"] = f"arn:aws:cloudwatch:{fake.region}:{ACCOUNT_ID}:alarm:{name}"
    return name, state


@builds("aws:cloudwatch/compositeAlarm:CompositeAlarm")
def _composite_alarm(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    alarm_name = str(state.get("alarmName", name))
    state["arn"] = f"arn:aws:cloudwatch:{fake.region}:{ACCOUNT_ID}:alarm:{alarm_name}"
    return alarm_name, state


@builds("aws:cloudwatch/dashboard:Dashboard")
def _dashboard(fake: Fake, name: str, state: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    dashboard = str(state.get("dashboardName", name))
    # Dashboards are account-wide: their ARN has no region.
    state["dashboardArn"] = f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{dashboard}"
    return dashboard, state
