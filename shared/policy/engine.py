"""The rule engine: one definition of each guardrail, judged over resource records.

A record is one resource as the offline plan writes it (docs/platform/plan.md): `type`, `name`, `urn`,
`region`, `inputs` (camelCase wire names), `protect`, `retain_on_delete`, `depends_on`,
`ignore_changes`; a layer's `pulumi:pulumi:Stack` record also carries its `outputs`.
`invoke check` builds records from the plan, the CrossGuard pack from what the Pulumi engine
sends (shared/policy/crossguard.py), so both runners judge with the same functions.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.settings import Settings

Record = Mapping[str, Any]
SECRET = "[secret]"  # how the plan (and the pack adapter) shows a value Pulumi keeps secret
UNKNOWN = "[unknown]"  # a value a preview cannot know yet (CrossGuard during `pulumi preview`)
STACK = "pulumi:pulumi:Stack"
FAMILIES = ("security", "reliability", "limits", "safety", "tags")
SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class Context:
    """What the rules need to know about the deployment beyond the resources themselves."""

    environment: str
    primary_region: str
    secondary_region: str
    public_ports: frozenset[int]
    protect_data: bool
    required_tags: Mapping[str, str]
    # True when the records are the whole system (the offline plan); a CrossGuard run sees
    # one stack only, so rules that compare layers cannot judge there.
    complete: bool = True
    # The DR strategy and the recovery time objective it is judged against (shared/strategy.py).
    strategy: str = "hot-standby"
    recovery_time_objective_minutes: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings, complete: bool = True) -> Context:
        required = {"Environment": settings.environment}
        if "Project" in settings.tags:
            required["Project"] = settings.tags["Project"]
        from shared.config import declared_protected

        protect = settings.protect_data or declared_protected(settings.environment)
        return cls(environment=settings.environment, primary_region=settings.primary_region,
                   secondary_region=settings.secondary_region,
                   public_ports=frozenset({settings.app_port}),
                   protect_data=protect, required_tags=required, complete=complete,
                   strategy=settings.strategy,
                   recovery_time_objective_minutes=settings.recovery_time_objective_minutes)

    @property
    def regions(self) -> tuple[str, str]:
        return (self.primary_region, self.secondary_region)

    def other_region(self, region: str | None) -> str | None:
        if region == self.primary_region:
            return self.secondary_region
        if region == self.secondary_region:
            return self.primary_region
        return None


ResourceCheck = Callable[[Record, Context], Iterable[str]]
# A stack check yields (urn or None for the whole stack, message) pairs.
StackCheck = Callable[[Sequence[Record], Context], Iterable[tuple[str | None, str]]]


@dataclass(frozen=True)
class Rule:
    """One guardrail. `check` judges one resource of `types` (empty: every AWS resource),
    `check_stack` judges all records together; a rule may have both."""

    id: str
    title: str
    family: str
    severity: str
    controls: tuple[str, ...] = ()  # AWS Security Hub control IDs this rule implements
    types: frozenset[str] = frozenset()
    check: ResourceCheck | None = None
    check_stack: StackCheck | None = None
    # Why a CrossGuard run cannot judge this rule ("" when it can); `invoke check` always does.
    offline_only: str = ""

    def __post_init__(self) -> None:
        if self.family not in FAMILIES or self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: unknown family or severity")
        if self.check is None and self.check_stack is None:
            raise ValueError(f"rule {self.id}: needs a check or a stack check")

    def applies_to(self, record: Record) -> bool:
        kind = record.get("type", "")
        return kind in self.types if self.types else kind.startswith("aws:")


@dataclass(frozen=True)
class Finding:
    rule: Rule
    urn: str | None
    message: str

    @property
    def resource(self) -> str:
        return urn_name(self.urn) if self.urn else "(stack)"


@dataclass
class Report:
    rules: list[Rule]
    records: list[Record]
    findings: list[Finding]
    # How many resources each per-resource rule judged (stack rules count as one judgement).
    judged: dict[str, int] = field(default_factory=dict)

    @property
    def resource_count(self) -> int:
        return sum(1 for r in self.records if is_aws(r))

    def findings_of(self, rule: Rule) -> list[Finding]:
        return [f for f in self.findings if f.rule.id == rule.id]


def evaluate(records: Sequence[Record], context: Context, rules: Sequence[Rule]) -> Report:
    """Apply every rule to the records and collect what they find."""
    findings: list[Finding] = []
    judged: dict[str, int] = {}
    aws = [r for r in records if is_aws(r)]
    for rule in rules:
        count = 0
        if rule.check is not None:
            for record in aws:
                if rule.applies_to(record):
                    count += 1
                    findings.extend(Finding(rule, record.get("urn"), message)
                                    for message in rule.check(record, context))
        if rule.check_stack is not None:
            count += 1
            findings.extend(Finding(rule, urn, message)
                            for urn, message in rule.check_stack(records, context))
        judged[rule.id] = count
    return Report(list(rules), list(records), findings, judged)


def records_from_plan(plan: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The custom resources of a plan's JSON, each layer's Stack record with its outputs."""
    records: list[dict[str, Any]] = []
    for layer in plan["layers"]:
        for resource in layer["resources"]:
            if resource["type"] == STACK:
                records.append({**resource, "outputs": layer.get("outputs") or {}})
            elif resource.get("custom"):
                records.append(dict(resource))
    return records


# --- helpers the rule modules share ---


def is_aws(record: Record) -> bool:
    return str(record.get("type", "")).startswith("aws:")


def inputs(record: Record) -> Mapping[str, Any]:
    return record.get("inputs") or {}


def of_type(records: Iterable[Record], *types: str) -> list[Record]:
    return [r for r in records if r.get("type") in types]


def urn_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def is_known(value: Any) -> bool:
    return value not in (None, "", UNKNOWN)


def truthy(value: Any) -> bool:
    """Booleans as the wire may carry them; an unknown value is given the benefit of the doubt."""
    if isinstance(value, str):
        return value.lower() == "true" or value == UNKNOWN
    return bool(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def arn_region(arn: Any) -> str | None:
    parts = str(arn).split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" else None


def parse_policy(document: Any) -> list[Mapping[str, Any]]:
    """The statements of an IAM-style policy given as JSON text or a dict; [] if unreadable."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def walk(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every leaf of a nested input value with the key path that leads to it."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from walk(item, (*path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from walk(item, (*path, str(index)))
    else:
        yield path, value


def referenced_by(child: Record, target: Record, key: str, names: Iterable[Any]) -> bool:
    """Does `child` point at `target` through its input `key` (a name, id or ARN of it), or
    through a dependency on its URN? Plans record inputs, CrossGuard stacks record outputs."""
    value = inputs(child).get(key)
    known = {str(n) for n in names if is_known(n)}
    # An ARN ends in the name after ":" (arn:...:secret:x) or "/" (arn:...:table/x).
    if value is not None and (str(value) in known or any(
            str(value).endswith((f":{n}", f"/{n}")) for n in known)):
        return True
    return target.get("urn") in as_list(child.get("depends_on"))


def physical_names(record: Record, *keys: str) -> list[Any]:
    """The names a resource is known by: its naming inputs, and id/arn when the record has them."""
    values = inputs(record)
    return [values.get(k) for k in (*keys, "id", "arn") if is_known(values.get(k))]


@functools.cache
def taggable(type_token: str) -> bool:
    """Does the pulumi-aws resource behind `type_token` take a `tags` argument?"""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "aws":
        return False
    module = parts[1].split("/")[0]
    try:
        package = importlib.import_module(f"pulumi_aws.{module}")
    except ImportError:
        try:
            package = importlib.import_module(f"pulumi_aws.{module}_")  # lambda_ and friends
        except ImportError:
            return False
    cls = getattr(package, parts[2], None)
    init = getattr(cls, "_internal_init", None)
    return init is not None and "tags" in inspect.signature(init).parameters
