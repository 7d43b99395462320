"""The rules as CrossGuard policies: `pulumi preview --policy-pack shared/policy_pack`.

Each rule becomes a ResourceValidationPolicy (its per-resource check) and/or a
StackValidationPolicy (its stack check), named after the rule. What the engine sends is turned
into the same record shape the offline plan writes, so the rule functions do not know which
runner calls them. A CrossGuard run sees one stack (one layer); rules that need the whole
system or data CrossGuard withholds report "not applicable" with the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyComplianceFramework,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Secret,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from shared.plan.fakes.core import is_global
from shared.policy.engine import SECRET, STACK, UNKNOWN, Context, Rule
from shared.settings import SettingsError

FRAMEWORK = "AWS Security Hub (Foundational Security Best Practices, NIST 800-53)"


def plain(value: Any) -> Any:
    """Policy props as plain data: unknown preview values become UNKNOWN, secrets SECRET."""
    if isinstance(value, Secret):
        return SECRET
    if isinstance(value, Mapping):
        result = {}
        for key in value:
            try:
                result[str(key)] = plain(value[key])
            except UnknownValueError:
                result[str(key)] = UNKNOWN
        return result
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def region_of(resource_type: str, props: Mapping[str, Any],
              provider: PolicyProviderResource | None) -> str | None:
    """The effective region as the plan records it: global services, the resource's own
    `region`, its provider's, else the stack's `aws:region`."""
    if is_global(resource_type):
        return "global"
    if not resource_type.startswith("aws:"):
        return None
    for source in (props, provider.props if provider else {}):
        region = plain(source).get("region") if source else None
        if isinstance(region, str) and region not in ("", UNKNOWN):
            return region
    return pulumi.Config("aws").get("region")


def record_from_args(args: ResourceValidationArgs) -> dict[str, Any]:
    """One resource of `Analyze` (its inputs) in the plan's record shape."""
    return {
        "urn": args.urn, "type": args.resource_type, "name": args.name, "custom": True,
        "region": region_of(args.resource_type, args.props, args.provider),
        "parent": args.opts.parent, "protect": bool(args.opts.protect),
        # CrossGuard does not pass retainOnDelete; rules that need it are offline only.
        "retain_on_delete": False, "depends_on": [],
        "ignore_changes": list(args.opts.ignore_changes), "inputs": plain(args.props),
    }


def record_from_resource(resource: PolicyResource) -> dict[str, Any]:
    """One resource of `AnalyzeStack` (its outputs, which hold its inputs) as a record."""
    props = plain(resource.props)
    record = {
        "urn": resource.urn, "type": resource.resource_type, "name": resource.name,
        "custom": resource.resource_type != STACK,
        "region": region_of(resource.resource_type, resource.props, resource.provider),
        "parent": resource.parent.urn if resource.parent else None,
        "protect": bool(resource.opts.protect), "retain_on_delete": False,
        "depends_on": [d.urn for d in resource.dependencies],
        "ignore_changes": list(resource.opts.ignore_changes), "inputs": props,
    }
    if resource.resource_type == STACK:
        record["outputs"] = props
    return record


@functools.cache
def stack_context() -> Context:
    """The settings of the stack being previewed: the same merge `pulumi up` uses."""
    from shared.config import runtime_config, settings_for

    return Context.from_settings(settings_for(pulumi.get_stack(), runtime_config()), complete=False)


def _describe(rule: Rule) -> dict[str, Any]:
    framework = (PolicyComplianceFramework(name=FRAMEWORK, reference=", ".join(rule.controls))
                 if rule.controls else None)
    return {"description": rule.title, "enforcement_level": EnforcementLevel.MANDATORY,
            "severity": Severity(rule.severity), "framework": framework, "tags": [rule.family]}


def _resource_policy(rule: Rule, context: Callable[[], Context]) -> Policy:
    check = rule.check
    assert check is not None

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        record = record_from_args(args)
        if not rule.applies_to(record):
            return
        try:
            settings = context()
        except SettingsError as error:
            report_violation(f"settings are invalid: {error}", None)
            return
        for message in check(record, settings):
            report_violation(message, None)

    return ResourceValidationPolicy(name=rule.id, validate=validate, **_describe(rule))


def _stack_policy(name: str, rule: Rule, context: Callable[[], Context]) -> Policy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        if rule.offline_only:
            args.not_applicable(rule.offline_only)
        assert rule.check_stack is not None
        records = [record_from_resource(r) for r in args.resources]
        try:
            settings = context()
        except SettingsError as error:
            report_violation(f"settings are invalid: {error}", None)
            return
        for urn, message in rule.check_stack(records, settings):
            report_violation(message, urn)

    return StackValidationPolicy(name=name, validate=validate, **_describe(rule))


def policies(rules: Sequence[Rule], context: Callable[[], Context] = stack_context) -> list[Policy]:
    """One CrossGuard policy per check of each rule; names are the rule IDs."""
    result: list[Policy] = []
    for rule in rules:
        if rule.offline_only:
            # One stack-level "not applicable" says why, instead of one per resource.
            result.append(_stack_policy(rule.id, rule, context))
            continue
        if rule.check is not None:
            result.append(_resource_policy(rule, context))
        if rule.check_stack is not None:
            name = f"{rule.id}-stack" if rule.check is not None else rule.id
            result.append(_stack_policy(name, rule, context))
    return result
