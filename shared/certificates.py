"""What makes a configured ACM certificate (or a domain) unusable before AWS says so.

Settings check an ARN's shape and region; these checks catch what only fails mid-deploy, when the
ALB listener or the API Gateway domain is created (after network and data already changed):
a placeholder copied from documentation, or a certificate another account owns. An ALB listener
and a regional API Gateway domain use only ACM certificates of their own account and region
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/https-listener-certificates.html,
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html).
The guardrails (shared/policy/certificates.py) and deploy's preflight share them.
"""

from __future__ import annotations

import re

from shared.settings import Settings

# The account IDs AWS's own documentation uses in examples: never a real deployment's.
EXAMPLE_ACCOUNTS = frozenset({"123456789012", "111122223333", "444455556666", "777788889999",
                              "000000000000"})
# Names reserved for documentation (RFC 2606): nobody can hold a certificate for them.
_EXAMPLE_DOMAIN = re.compile(r"(^|\.)example\.(com|net|org)$")
_ARN = re.compile(r"^arn:aws:acm:(?P<region>[^:]+):(?P<account>\d{12}):certificate/(?P<id>.+)$")
FIX = "set it to your own ACM certificate's ARN (aws acm list-certificates --region {region})"


def certificate_problem(arn: str, region: str, account: str | None = None) -> str | None:
    """Why `arn` cannot serve in `region` (for `account`, when known); None when nothing is seen."""
    match = _ARN.match(arn)
    if match is None:
        return "is not an ACM certificate ARN"
    if match.group("account") in EXAMPLE_ACCOUNTS or not match.group("id").strip("0-"):
        return "is a placeholder (a documentation account or an all-zero id)"
    if match.group("region") != region:
        return f"is in {match.group('region')}, not {region}"
    if account is not None and match.group("account") != account:
        return f"belongs to account {match.group('account')}, not {account} (the credentials')"
    return None


def domain_problem(domain: str) -> str | None:
    if _EXAMPLE_DOMAIN.search(domain):
        return "is a documentation placeholder (example.com/.net/.org)"
    return None


def settings_problems(settings: Settings, account: str | None = None) -> list[str]:
    """One line per unusable dr:<role>CertificateArn, dr:<role>Domain or dr:apiRecordName."""
    problems = []
    domains = {"dr:apiRecordName": settings.api_record_name}
    for role in ("primary", "secondary"):
        regional = settings.regional(role)
        domains[f"dr:{role}Domain"] = regional.domain
        problem = (certificate_problem(regional.certificate_arn, regional.region, account)
                   if regional.certificate_arn else None)
        if problem:
            problems.append(f"dr:{role}CertificateArn {problem}: " + FIX.format(region=regional.region))
    for key, domain in domains.items():
        problem = domain_problem(domain) if domain else None
        if problem:
            problems.append(f"{key} {problem}: set it to a name in your own zone that the "
                            "certificates cover")
    return problems
