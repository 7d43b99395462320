"""Security rule: the certificates the front doors serve are real and in the right region.

A placeholder (a documentation account, an all-zero id, an example.* name) or a certificate of
another region passes the settings' shape check and fails only when compute creates the ALB
listener or the API Gateway domain, after network and data have already changed.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.certificates import FIX, certificate_problem, domain_problem
from shared.policy.engine import Context, Record, Rule, inputs, is_known

LISTENER = "aws:lb/listener:Listener"
API_DOMAIN = "aws:apigateway/domainName:DomainName"
_CERTIFICATE_INPUT = {LISTENER: "certificateArn", API_DOMAIN: "regionalCertificateArn"}


def real_certificates(record: Record, context: Context) -> Iterator[str]:
    values, region = inputs(record), str(record.get("region") or "")
    arn = values.get(_CERTIFICATE_INPUT[str(record.get("type"))])
    problem = certificate_problem(str(arn), region) if is_known(arn) else None
    if problem:
        yield f"certificate {arn} {problem}: {FIX.format(region=region)}"
    domain = values.get("domainName") if record.get("type") == API_DOMAIN else None
    problem = domain_problem(str(domain)) if is_known(domain) else None
    if problem:
        yield f"domain {domain} {problem}: set the dr: domain keys to names in your own zone"


RULES = [
    Rule("entry-certificates", "Front-door certificates are your own, in the region that serves them",
         "security", "high", (), frozenset({LISTENER, API_DOMAIN}), check=real_certificates),
]
