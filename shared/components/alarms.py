"""RegionalAlarms: is a region's entry point hurting users? Plus the helper every alarm uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.components import metrics
from shared.components.metrics import Metric
from shared.components.monitored import RegionView
from shared.components.rate_alarms import ErrorRate, error_rate_alarm
from shared.naming import physical_name

# The authority record says "moving" (nobody writes) from a move's fence step until the target is
# recorded: in the Region switch plan at most the fence and traffic steps' timeouts around
# Aurora's (80 min), client-side less; tests/stacks/test_authority_alarms.py pins both. Longer is
# stuck. A number, not an import of the recovery layer's constants: monitoring must not redeploy
# when the recovery functions' code changes.
STUCK_MOVE_SECONDS = 90 * 60


@dataclass(frozen=True)
class Condition:
    """When an alarm fires. `missing` is CloudWatch's treat_missing_data, chosen per alarm."""

    comparison: str
    threshold: float
    missing: str
    period: int = 60
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 2


@dataclass(frozen=True)
class AlarmRef:
    name: str
    region: str
    arn: pulumi.Output[str]


def metric_alarm(resource_name: str, alarm_name: str, metric: Metric, condition: Condition,
                 description: str, topics: Mapping[str, pulumi.Input[str]],
                 tags: Mapping[str, str], parent: pulumi.Resource) -> AlarmRef:
    """A metric alarm in the metric's own region, notifying that region's topic on ALARM and
    on OK (CloudWatch can only notify a topic in the alarm's region)."""
    if metric.region not in topics:
        raise ValueError(f"alarm {alarm_name} watches a metric in {metric.region}, which has "
                         f"no alert topic (topics exist in {sorted(topics)})")
    topic = topics[metric.region]
    alarm = aws.cloudwatch.MetricAlarm(
        resource_name, name=alarm_name, alarm_description=description,
        namespace=metric.namespace, metric_name=metric.name, dimensions=dict(metric.dimensions),
        statistic=metric.statistic, period=condition.period,
        evaluation_periods=condition.evaluation_periods,
        datapoints_to_alarm=condition.datapoints_to_alarm,
        comparison_operator=condition.comparison, threshold=condition.threshold,
        treat_missing_data=condition.missing, alarm_actions=[topic], ok_actions=[topic],
        region=metric.region, tags={**tags, "Name": alarm_name},
        opts=pulumi.ResourceOptions(parent=parent))
    return AlarmRef(alarm_name, metric.region, alarm.arn)


@dataclass
class RegionalAlarmsArgs:
    environment: str
    view: RegionView
    # Alert topic ARN per region; must hold this region and the Route 53 metrics region.
    topics: Mapping[str, pulumi.Input[str]]
    lambda_error_threshold: int
    error_rate_percent: int  # dr:api5xxAlarmThreshold: server errors, % of requests, per door
    tags: dict[str, str] = field(default_factory=dict)


class RegionalAlarms(pulumi.ComponentResource):
    """Owns the alarms on one region's entry point: the Route 53 health check of its NLB,
    the NLB's healthy and unhealthy target counts, the 5XX rate of each door (REST API, ALB), errors and
    throttles of each Lambda function, the depth of each dead-letter queue, and the composite
    "region impaired" alarm over the user-facing ones. Exposes `alarms` (every metric alarm)
    and `composite_name`."""

    def __init__(self, name: str, args: RegionalAlarmsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:monitoring:RegionalAlarms", name, None, opts)
        self._name, self._args = name, args
        view, region = args.view, args.view.region
        self.alarms: list[AlarmRef] = []

        # Missing data is breaching: Route 53 reports every minute, so silence means the
        # check (or what feeds it) is gone, which must not read as healthy.
        health = self._alarm(
            "health-check", metrics.health_check_status(view.health_check_id, view.role),
            Condition("LessThanThreshold", 1, "breaching", evaluation_periods=2,
                      datapoints_to_alarm=2),
            f"Route 53 health check of the {view.role} NLB ({region}) reports unhealthy")
        healthy = self._alarm(
            "nlb-no-healthy-target",
            metrics.nlb_host_count(True, view.nlb_arn, view.target_group_arn, region, "healthy"),
            # Breaching: an NLB that stops reporting has no healthy target to report.
            Condition("LessThanThreshold", 1, "breaching"),
            f"No NLB node in {region} sees a healthy target (the ALB behind it)")
        unhealthy = self._alarm(
            "nlb-unhealthy-target",
            metrics.nlb_host_count(False, view.nlb_arn, view.target_group_arn, region,
                                   "unhealthy"),
            # Not breaching: the healthy-count alarm already covers a silent NLB.
            Condition("GreaterThanThreshold", 0, "notBreaching"),
            f"Every NLB node in {region} sees an unhealthy target")
        api_errors, alb_errors = self._door_error_rates()
        unreadable = self._authority_alarms()
        for role, function_name in sorted(view.function_names.items()):
            for metric_name in ("Errors", "Throttles"):
                self._alarm(
                    f"lambda-{role.replace('_', '-')}-{metric_name.lower()}",
                    metrics.lambda_metric(metric_name, function_name, region, role),
                    # Not breaching: an idle function has neither errors nor throttles.
                    Condition("GreaterThanOrEqualToThreshold", args.lambda_error_threshold,
                              "notBreaching", period=300, evaluation_periods=1,
                              datapoints_to_alarm=1),
                    f"{metric_name} of the {role} function in {region}")

        for role, queue in sorted(view.dead_letter_queues.items()):
            self._alarm(
                f"dlq-{role.replace('_', '-')}", metrics.queue_depth(queue, region, role),
                # Not breaching: SQS stops reporting a queue that stays empty for hours.
                Condition("GreaterThanThreshold", 0, "notBreaching", period=300,
                          evaluation_periods=1, datapoints_to_alarm=1),
                f"Messages wait in the {role} dead-letter queue in {region}: replay them "
                "after recovery with `invoke redrive`")

        # Composite alarms may only watch alarms of their own account and region. Route 53
        # health-check alarms must live where Route 53 publishes (us-east-1), so only a region
        # that is itself us-east-1 gets its health check in its composite; the others are
        # judged by what their own region sees (NLB target health, API 5XX). That is also the
        # right dependency for DR: the secondary's "impaired" signal must keep working when
        # us-east-1, the region it stands in for, is down. The health-check alarm still
        # notifies the us-east-1 topic and shows on the dashboards.
        # An unreadable authority refuses every write in this region alone (the other region's
        # replica may answer): users are hurt here. A stuck move is not in it (see below).
        members = [a for a in (health, healthy, unhealthy, api_errors, alb_errors, unreadable)
                   if a.region == region]
        self.composite_name = physical_name("region-impaired", args.environment, region)
        composite = aws.cloudwatch.CompositeAlarm(
            f"{name}-region-impaired", alarm_name=self.composite_name,
            alarm_description=f"Users are hurt in the {view.role} region ({region}): "
                              "its entry point is unhealthy or failing requests",
            alarm_rule=pulumi.Output.all(*[a.arn for a in members]).apply(
                lambda _: " OR ".join(f'ALARM("{a.name}")' for a in members)),
            alarm_actions=[args.topics[region]], ok_actions=[args.topics[region]],
            region=region, tags={**args.tags, "Name": self.composite_name},
            opts=pulumi.ResourceOptions(parent=self))
        self.composite_arn = composite.arn
        self.register_outputs({"composite_name": self.composite_name,
                               "alarm_names": [a.name for a in self.alarms]})

    def _door_error_rates(self) -> tuple[AlarmRef, AlarmRef]:
        """Server errors on each door as a share of its requests, without the write fence's
        deliberate 503s (the api function counts them: metrics.fenced_writes)."""
        view, region, env = self._args.view, self._args.view.region, self._args.environment
        rest = ErrorRate(
            errors=[metrics.api_gateway_metric("5XXError", view.api_name, view.api_stage, region, "5XX")],
            excused=[metrics.fenced_writes(env, "apigateway", region)],
            requests=[metrics.api_gateway_metric("Count", view.api_name, view.api_stage, region,
                                                 "requests")])
        # The ALB's own 5XX (a function that fails or times out: 502/504) are errors too. Its
        # RequestCount leaves out requests refused before a target was chosen, so those are
        # added to the volume: the rate stays defined when nothing reaches the functions.
        elb_errors = metrics.alb_metric("HTTPCode_ELB_5XX_Count", view.alb_arn, region, "ELB 5XX")
        alb = ErrorRate(
            errors=[metrics.alb_metric("HTTPCode_Target_5XX_Count", view.alb_arn, region,
                                       "target 5XX"), elb_errors],
            excused=[metrics.fenced_writes(env, "alb", region)],
            requests=[metrics.alb_metric("RequestCount", view.alb_arn, region, "requests"),
                      elb_errors])
        refs = []
        for what, rate, door in (("api-5xx-rate", rest, "REST API"),
                                 ("alb-5xx-rate", alb, "ALB (accelerator and failover name)")):
            alarm_name = physical_name(what, env, region)
            arn = error_rate_alarm(
                f"{self._name}-{what}", alarm_name, region, rate, self._args.error_rate_percent,
                f"The {view.role} {door} answers {self._args.error_rate_percent}% or more of its "
                "requests with server errors (write-fence refusals excluded)",
                self._args.topics, self._args.tags, self)
            refs.append(AlarmRef(alarm_name, region, arn))
            self.alarms.append(refs[-1])
        return refs[0], refs[1]

    def _authority_alarms(self) -> AlarmRef:
        """Who-writes alarms, from the metrics the functions publish (handlers/emf.py); returns
        the unreadable-authority one, which joins the composite. The stuck-move alarm does not:
        a stuck move refuses writes in both regions at once and no region switch fixes it (it
        starts from the same record); the operator finishes the move or runs `invoke unfence`."""
        env, region = self._args.environment, self._args.view.region
        # Not breaching: the metric is published only while the record cannot be read. Two of
        # three minutes: health publishes about once a second while it lasts.
        unreadable = self._alarm(
            "authority-unreadable", metrics.authority_unreadable(env, region),
            Condition("GreaterThanOrEqualToThreshold", 1, "notBreaching"),
            f"The authority record (who writes) has been unreadable in {region} past its staleness "
            "bound: every write there is refused; check DynamoDB in that region")
        self._alarm(
            "authority-move-stuck", metrics.authority_move_seconds(env, region),
            # Published only while a move is under way: missing data is no move.
            Condition("GreaterThanThreshold", STUCK_MOVE_SECONDS, "notBreaching",
                      evaluation_periods=1, datapoints_to_alarm=1),
            f"The authority record has said a move is under way for over {STUCK_MOVE_SECONDS // 60} "
            "minutes (nobody writes): finish the move (rerun invoke failover) or clear it with "
            f"`invoke unfence --env {env}` (docs/on-call/runbook.md)")
        return unreadable

    def _alarm(self, what: str, metric: Metric, condition: Condition,
               description: str) -> AlarmRef:
        # Named after the region the alarm is about, even when it lives elsewhere (Route 53).
        alarm_name = physical_name(what, self._args.environment, self._args.view.region)
        ref = metric_alarm(f"{self._name}-{what}", alarm_name, metric, condition, description,
                           self._args.topics, self._args.tags, self)
        self.alarms.append(ref)
        return ref
