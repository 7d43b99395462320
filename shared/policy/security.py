"""Security rules, access: private buckets, TLS only, least privilege, closed ports, no secret in
plain text, logs that expire."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from shared.policy.encryption import BUCKETS, LOG_GROUP, PARAMETER
from shared.policy.engine import (
    SECRET,
    STACK,
    UNKNOWN,
    Context,
    Record,
    Rule,
    as_list,
    inputs,
    is_known,
    of_type,
    parse_policy,
    physical_names,
    referenced_by,
    truthy,
    walk,
)

PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
POLICY_DOCUMENTS = {  # identity-policy type -> input holding the JSON document
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
ROLE = "aws:iam/role:Role"
POLICY_ATTACHMENTS = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                      "aws:iam/policyAttachment:PolicyAttachment")
LISTENER = "aws:lb/listener:Listener"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
WORLD = ("0.0.0.0/0", "::/0")
# Key names that hold a credential (compared lowercased, without separators).
_SECRET_KEY = re.compile(r"(password|passwd|passphrase|secret|secretstring|secretbinary|apikey|"
                         r"token|privatekey|secretkey|accesskey|credentials?)$")


def _in(records: Sequence[Record], kind: str, bucket: Record) -> list[Record]:
    names = physical_names(bucket, "bucket")
    return [r for r in of_type(records, kind) if referenced_by(r, bucket, "bucket", names)]


def public_access_blocked(records: Sequence[Record],
                          context: Context) -> Iterator[tuple[str | None, str]]:
    for bucket in of_type(records, *BUCKETS):
        blocks = _in(records, PUBLIC_ACCESS_BLOCK, bucket)
        if not blocks:
            yield bucket.get("urn"), "bucket has no BucketPublicAccessBlock"
        for block in blocks:
            off = [flag for flag in PAB_FLAGS if not truthy(inputs(block).get(flag))]
            if off:
                yield bucket.get("urn"), f"public access block leaves {', '.join(off)} off"


def _denies_insecure_transport(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    principal = statement.get("Principal")
    if principal != "*" and not (isinstance(principal, Mapping) and principal.get("AWS") == "*"):
        return False
    if not {"s3:*", "*"} & {str(a) for a in as_list(statement.get("Action"))}:
        return False
    secure = ((statement.get("Condition") or {}).get("Bool") or {}).get("aws:SecureTransport")
    return str(as_list(secure)[0] if as_list(secure) else "").lower() == "false"


def tls_only(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    for bucket in of_type(records, *BUCKETS):
        documents = [inputs(p).get("policy") for p in _in(records, BUCKET_POLICY, bucket)]
        documents.append(inputs(bucket).get("policy"))
        if not any(_denies_insecure_transport(s) for d in documents for s in parse_policy(d)):
            yield bucket.get("urn"), ("no bucket policy denies s3:* to every principal when "
                                      "aws:SecureTransport is false")


def _admin_statements(document: Any) -> Iterator[str]:
    for statement in parse_policy(document):
        if statement.get("Effect") != "Allow":
            continue
        resources = {str(r) for r in as_list(statement.get("Resource"))}
        if "*" not in resources:
            continue
        actions = {str(a) for a in as_list(statement.get("Action"))}
        label = f"statement {statement['Sid']}" if statement.get("Sid") else "a statement"
        if actions & {"*", "*:*"}:
            yield f'{label} allows "*" actions on "*"'
        elif statement.get("NotAction"):
            yield f'{label} allows NotAction (everything else) on "*"'


def least_privilege(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    kind = record["type"]
    if kind in POLICY_DOCUMENTS:
        yield from _admin_statements(values.get(POLICY_DOCUMENTS[kind]))
    elif kind == ROLE:
        for inline in as_list(values.get("inlinePolicies")):
            if isinstance(inline, Mapping):
                yield from _admin_statements(inline.get("policy"))
        if ADMIN_POLICY_ARN in as_list(values.get("managedPolicyArns")):
            yield "role has AdministratorAccess attached"
    elif values.get("policyArn") == ADMIN_POLICY_ARN:
        yield "AdministratorAccess is attached"


def _port_range(low: Any, high: Any, protocol: Any) -> tuple[int, int] | None:
    """The TCP ports a rule opens, None if it opens every protocol; (-1, -1) for non-TCP."""
    if str(protocol) in ("-1", "all"):
        return None
    if str(protocol).lower() not in ("tcp", "6"):
        return (-1, -1)
    try:
        return (int(low), int(high))
    except (TypeError, ValueError):
        return None


def _world_open(ipv4: Any, ipv6: Any) -> bool:
    return bool({str(c) for c in as_list(ipv4) + as_list(ipv6)} & set(WORLD))


def world_ingress(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    openings: list[tuple[Any, Any, Any]] = []
    if record["type"] == INGRESS_RULE and _world_open(values.get("cidrIpv4"), values.get("cidrIpv6")):
        openings.append((values.get("fromPort"), values.get("toPort"), values.get("ipProtocol")))
    elif record["type"] == SECURITY_GROUP_RULE and values.get("type") == "ingress" and _world_open(
            values.get("cidrBlocks"), values.get("ipv6CidrBlocks")):
        openings.append((values.get("fromPort"), values.get("toPort"), values.get("protocol")))
    elif record["type"] == SECURITY_GROUP:
        for rule in as_list(values.get("ingress")):
            if isinstance(rule, Mapping) and _world_open(rule.get("cidrBlocks"),
                                                         rule.get("ipv6CidrBlocks")):
                openings.append((rule.get("fromPort"), rule.get("toPort"), rule.get("protocol")))
    allowed = sorted(context.public_ports)
    for low, high, protocol in openings:
        ports = _port_range(low, high, protocol)
        if ports is None or ports[0] != ports[1] or ports[0] not in context.public_ports:
            shown = "all traffic" if ports is None else f"{protocol} {low}-{high}"
            yield f"opens {shown} to the internet; only TCP {allowed} (the entry port) may be"


def _plaintext(path: tuple[str, ...], value: Any) -> bool:
    if not path or not isinstance(value, str) or not is_known(value) or value in (SECRET, UNKNOWN):
        return False
    key = re.sub(r"[^a-z0-9]", "", path[-1].lower())
    # ARNs and dynamic references name where a secret lives; they are not the secret.
    return bool(_SECRET_KEY.search(key)) and not value.startswith(("arn:", "{{resolve:"))


def plaintext_secret_inputs(record: Record, context: Context) -> Iterator[str]:
    values = inputs(record)
    for path, value in walk(values):
        if _plaintext(path, value):
            yield f"input {'.'.join(path)} holds a literal secret; pass it as a Pulumi secret"
    # pulumi-aws always masks a parameter's value, so its type is what tells: SSM stores a
    # String in plain text whatever Pulumi does with the value in its state.
    if record["type"] == PARAMETER and values.get("type") in ("String", "StringList"):
        leaf = re.sub(r"[^a-z0-9]", "", str(values.get("name", "")).rsplit("/", 1)[-1].lower())
        if _SECRET_KEY.search(leaf):
            yield "a credential-named parameter is a plain String; make it a SecureString"


def plaintext_secret_outputs(records: Sequence[Record],
                             context: Context) -> Iterator[tuple[str | None, str]]:
    for stack in of_type(records, STACK):
        for path, value in walk(stack.get("outputs") or {}):
            if _plaintext(path, value):
                yield stack.get("urn"), (f"output {'.'.join(path)} exports a secret in plain text; "
                                         "export it with pulumi.Output.secret")


def entry_tls(record: Record, context: Context) -> Iterator[str]:
    # The ALB behind each NLB is where TLS from the client ends; the NLB's own listener is TCP.
    if context.protect_data and str(inputs(record).get("protocol")).upper() == "HTTP":
        yield ("serves plain HTTP in a protected environment: set dr:primaryDomain, "
               "dr:primaryCertificateArn, dr:secondaryDomain, dr:secondaryCertificateArn and "
               "dr:appPort: 443 for it")


def log_retention(record: Record, context: Context) -> Iterator[str]:
    days = inputs(record).get("retentionInDays")
    if days in (None, 0, "0", ""):
        yield "log group keeps its events forever (retentionInDays not set)"


_SECRETS_REASON = ("CrossGuard hands policies secret values already decrypted, so it cannot tell "
                   "a Pulumi secret from a literal; `invoke check` judges the masked plan")

RULES = [
    Rule("s3-public-access-blocked", "S3 buckets block public access with all four settings",
         "security", "high", ("S3.8",), check_stack=public_access_blocked),
    Rule("s3-tls-only", "S3 bucket policies deny requests without TLS", "security", "medium",
         ("S3.5",), check_stack=tls_only),
    Rule("iam-least-privilege", "No IAM policy allows \"*\" actions on \"*\"", "security",
         "critical", ("IAM.1",),
         frozenset({*POLICY_DOCUMENTS, ROLE, *POLICY_ATTACHMENTS}), check=least_privilege),
    Rule("ingress-entry-port-only", "Only the public entry port is open to 0.0.0.0/0 or ::/0",
         "security", "high", ("EC2.18", "EC2.19"),
         frozenset({INGRESS_RULE, SECURITY_GROUP, SECURITY_GROUP_RULE}), check=world_ingress),
    Rule("no-plaintext-secrets", "No secret in plain text in resource inputs or stack outputs",
         "security", "critical", (), check=plaintext_secret_inputs,
         check_stack=plaintext_secret_outputs, offline_only=_SECRETS_REASON),
    Rule("entry-tls", "A protected environment's load balancers listen with HTTPS, not HTTP",
         "security", "high", ("ELB.1",), frozenset({LISTENER}), check=entry_tls),
    Rule("log-retention", "Every log group has a retention period", "security", "medium",
         ("CloudWatch.16",), frozenset({LOG_GROUP}), check=log_retention),
]
