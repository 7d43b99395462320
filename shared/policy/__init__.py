"""Guardrails over the whole system: one definition per rule, two runners.

`invoke check` (shared/cli/check.py) applies RULES to the offline plan; the CrossGuard pack in
shared/policy_pack applies the same RULES during `pulumi preview` (shared/policy/crossguard.py).
"""

from shared.policy import certificates, encryption, limits, recovery_time, reliability, safety, security, tags
from shared.policy.engine import Context, Finding, Report, Rule, evaluate, records_from_plan

RULES: list[Rule] = [
    *encryption.RULES, *security.RULES, *certificates.RULES, *reliability.RULES,
    *recovery_time.RULES, *limits.RULES, *safety.RULES, *tags.RULES,
]

__all__ = ["RULES", "Context", "Finding", "Report", "Rule", "evaluate", "records_from_plan"]
