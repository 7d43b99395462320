"""Documentation generated from the code: the settings table (docs/platform/settings.md) and the
output contract app teams read (docs/app-teams/outputs.md)."""

from __future__ import annotations

import re
from pathlib import Path

from shared.config import load_base
from shared.contracts import LAYERS
from shared.settings import KEYS

BEGIN, END = "<!-- contract:begin -->", "<!-- contract:end -->"
SETTINGS_BEGIN, SETTINGS_END = "<!-- settings:begin -->", "<!-- settings:end -->"

# What each `dr:` key means, for the settings table in docs (a test requires one line per key).
SETTING_DOCS = {
    "dr:primaryRegion": "Region that serves traffic and holds the writers",
    "dr:secondaryRegion": "Region to fail over to; must differ from the primary",
    "dr:primaryVpcCidr": "Primary VPC range: RFC 1918, 100.64.0.0/10 or public; /16 to /23, "
                         "disjoint from the secondary's",
    "dr:secondaryVpcCidr": "Secondary VPC range: RFC 1918, 100.64.0.0/10 or public; /16 to /23, "
                           "disjoint from the primary's",
    "dr:azCount": "Availability Zones per region: 2 or 3, the lowest-numbered zone IDs (use1-az1, ...)",
    "dr:auroraMinAcu": "Aurora Serverless v2 minimum capacity (0.5 to 256, steps of 0.5; 0 would "
                       "auto-pause the standby)",
    "dr:auroraMaxAcu": "Aurora Serverless v2 maximum capacity (at least 1, at least the minimum)",
    "dr:auroraExtendedSupport": "At the engine's end of standard support: true keeps the version under "
                                "paid RDS Extended Support (priced in `invoke cost`), false lets RDS "
                                "upgrade the major version (true in prod)",
    "dr:primaryAuroraMinAcu": "The primary cluster's own minimum, raise-only (at least "
    "dr:auroraMinAcu; unset: the shared one)",
    "dr:primaryAuroraMaxAcu": "The primary cluster's own maximum, raise-only (at least dr:auroraMaxAcu)",
    "dr:secondaryAuroraMinAcu": "The secondary cluster's own minimum, raise-only: the new writer's "
    "during an outage, deployable with `--region-down` ([runbook](../on-call/region-down.md))",
    "dr:secondaryAuroraMaxAcu": "The secondary cluster's own maximum, raise-only (at least dr:auroraMaxAcu)",
    "dr:backupRetentionDays": "Days AWS Backup keeps recovery points, in both regions",
    "dr:protectData": "Deletion protection, final snapshots and retained stores (true in prod)",
    "dr:trafficMode": ("active-passive (secondary dial 0) or active-active (both 100; the standby serves "
                       "reads, writes go to the writer): initial accelerator dials"),
    "dr:appPort": "Port the NLB and ALB listen on (the one world-open port)",
    "dr:healthCheckPath": "Application health path probed by the NLB, ALB and Route 53",
    "dr:healthCheckIntervalSeconds": "Route 53 and NLB health check interval: 10 or 30 (fixed once created)",
    "dr:healthCheckFailureThreshold": "Failed Route 53 checks before a region counts as unhealthy (1-10)",
    "dr:logRetentionDays": "Retention of every log group (a value CloudWatch Logs accepts)",
    "dr:replicationLagAlarmSeconds": "Aurora replication lag that raises an alarm and blocks failback",
    "dr:lambdaErrorAlarmThreshold": "Lambda errors or throttles per 5 minutes that raise an alarm",
    "dr:api5xxAlarmThreshold": "Percent of a door's requests (REST API, ALB) answered with 5XX, "
                               "write-fence refusals excluded, in 2 of 3 minutes with at least 10 "
                               "requests, that raises an alarm",
    "dr:apiThrottleRateLimit": "Steady requests per second each method of a REST API stage "
    "accepts (`*/*` applies per method)",
    "dr:apiThrottleBurstLimit": "Burst of requests each method of a REST API stage accepts",
    "dr:healthReservedConcurrency": "Concurrency reserved for each region's health function "
    "(4-100), so api bursts cannot throttle the NLB's and Route 53's checks; API Gateway's "
    "`GET /health` is throttled to half of it",
    "dr:apiGatewayAccountOwner": "This environment sets the account's API Gateway logging role "
    "(one setting per account and region, which every REST API there logs through): true in exactly "
    "one environment per account (dev and prod by default, staging uses dev's); see "
    "[compute](../architecture/compute.md)",
    "dr:regionSwitchPlan": "Deploy the ARC Region switch plan (recovery layer) that `invoke failover` "
    "executes; off: the client-side sequence only (on in prod; the plan has a monthly price)",
    "dr:regionSwitchReports": "ARC writes a report of each plan execution to the secondary bucket "
    "(`region-switch-reports/`)",
    "dr:regionSwitchApprover": "IAM role or user trusted (with MFA) to assume the plan's approval "
    "role in protected environments; unset: the account's principals, with MFA "
    "(docs/architecture/region-switch.md)",
    "dr:recoveryTimeObjectiveMinutes": "The plan's recovery time objective (1-1440 minutes); ARC "
    "compares each execution's measured recovery time with it",
    "dr:strategy": "DR strategy: pilot-light (headless secondary Aurora cluster), warm-standby "
    "(secondary at minimum capacity) or hot-standby (the secondary runs what the primary runs); "
    "see [dr-strategy.md](dr-strategy.md)",
    "dr:tags": "Tags on every taggable resource (Environment is added)",
    "dr:primaryDomain": "Custom domain of the primary REST API (with its certificate)",
    "dr:secondaryDomain": "Custom domain of the secondary REST API (with its certificate)",
    "dr:primaryCertificateArn": "ACM certificate for the primary domain, in the primary region",
    "dr:secondaryCertificateArn": "ACM certificate for the secondary domain, in the secondary region",
    "dr:hostedZoneId": "Route 53 hosted zone for failover DNS records (none when unset)",
    "dr:failoverRecordName": "Name of the failover DNS records in that zone (set with dr:hostedZoneId)",
    "dr:apiRecordName": "One REST API name for both regions in that zone: a custom domain in each, "
                        "Route 53 failover on the failover records' checks (needs both certificates)",
    "dr:alertEmail": "E-mail subscribed to the alert topics in both regions",
}


def contract_markdown() -> str:
    sections = []
    for spec in LAYERS.values():
        reads = ", ".join(f"`{p}`" for p in spec.depends_on) or "nothing"
        rows = "\n".join(f"| `{o.name}` | {o.type_label} | {o.description}{' (secret)' if o.secret else ''} |"
                         for o in spec.outputs)
        sections.append(f"#### `{spec.name}`\n\n{spec.description}. Reads: {reads}.\n\n"
                        f"| output | type | meaning |\n|---|---|---|\n{rows}\n")
    return "\n".join(sections)


def _shown(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def settings_markdown() -> str:
    base = load_base()
    defaults = base.get("config") or {}
    overrides = {env: values or {} for env, values in (base.get("environments") or {}).items()}
    rows = []
    for key in KEYS:
        changed = [f"{env}: `{_shown(values[key])}`" for env, values in overrides.items() if key in values]
        default = f"`{_shown(defaults.get(key))}`" + (f" ({'; '.join(changed)})" if changed else "")
        rows.append(f"| `{key}` | {default} | {SETTING_DOCS.get(key, '')} |")
    return "| key | default | meaning |\n|---|---|---|\n" + "\n".join(rows) + "\n"


def _replace(text: str, begin: str, end: str, body: str) -> str:
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"no {begin} ... {end} section: put the markers back")
    return pattern.sub(lambda _: f"{begin}\n{body}{end}", text)


def refresh_reader(path: Path) -> bool:
    """Rewrite the typed reader app teams copy (examples/app-team); True when it changed."""
    from shared.contracts.typed_reader import render

    text = render()
    changed = not path.exists() or path.read_text(encoding="utf-8") != text
    path.write_text(text, encoding="utf-8")
    return changed


# Where each generated section lives, relative to the repository root.
SETTINGS_DOC = "docs/platform/settings.md"
CONTRACT_DOC = "docs/app-teams/outputs.md"


def generated_sections() -> dict[str, tuple[str, str, str]]:
    """Each document with a generated section: (begin marker, end marker, what belongs between)."""
    return {SETTINGS_DOC: (SETTINGS_BEGIN, SETTINGS_END, settings_markdown()),
            CONTRACT_DOC: (BEGIN, END, contract_markdown())}


def refresh_docs(root: Path) -> list[str]:
    """Rewrite the generated sections; the documents that changed."""
    changed = []
    for name, (begin, end, body) in generated_sections().items():
        path = root / name
        text = path.read_text(encoding="utf-8")
        updated = _replace(text, begin, end, body)
        if updated != text:
            path.write_text(updated, encoding="utf-8")
            changed.append(name)
    return changed
