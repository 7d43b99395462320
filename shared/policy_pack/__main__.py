"""CrossGuard pack: `pulumi preview --policy-pack ../../shared/policy_pack` inside a layer folder.

The rules are shared/policy's, adapted by shared/policy/crossguard.py; violations block the
update (mandatory).
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from shared.policy import RULES
from shared.policy.crossguard import policies

PolicyPack(
    name="dr-guardrails",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(RULES),
)
