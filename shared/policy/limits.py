"""AWS limits that pass `pulumi preview` but fail the real API call: names, the home of Global
Accelerator, and what a DynamoDB global table demands of its stream."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence

from shared.policy.encryption import BUCKETS, TABLE, TABLE_REPLICA
from shared.policy.engine import (
    Context,
    Record,
    Rule,
    inputs,
    is_known,
    of_type,
    physical_names,
    referenced_by,
    truthy,
)

LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
ROLE = "aws:iam/role:Role"
FUNCTION = "aws:lambda/function:Function"
GLOBAL_ACCELERATOR = frozenset({
    "aws:globalaccelerator/accelerator:Accelerator", "aws:globalaccelerator/listener:Listener",
    "aws:globalaccelerator/endpointGroup:EndpointGroup",
    "aws:globalaccelerator/customRoutingAccelerator:CustomRoutingAccelerator",
    "aws:globalaccelerator/crossAccountAttachment:CrossAccountAttachment",
})
# S3 bucket naming rules (general purpose buckets), from the S3 user guide.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_LB = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
_ROLE = re.compile(r"^[\w+=,.@-]{1,64}$")
_FUNCTION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# `namePrefix` leaves room for the 26 characters Terraform appends (a timestamp and counter).
_PREFIX_ROOM = {BUCKETS[0]: 37, BUCKETS[1]: 37, ROLE: 38, LOAD_BALANCER: 6, TARGET_GROUP: 6}
_NAME_KEY = {BUCKETS[0]: "bucket", BUCKETS[1]: "bucket", LOAD_BALANCER: "name",
             TARGET_GROUP: "name", ROLE: "name", FUNCTION: "name"}


def _bucket_problem(name: str) -> str | None:
    if not _BUCKET.match(name):
        return "3-63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric"
    if ".." in name:
        return "no two adjacent dots"
    try:
        ipaddress.IPv4Address(name)
        return "not formatted as an IP address"
    except ValueError:
        pass
    if name.startswith(_BUCKET_RESERVED_PREFIXES) or name.endswith(_BUCKET_RESERVED_SUFFIXES):
        return "not a prefix or suffix AWS reserves"
    return None


def _name_problem(kind: str, name: str) -> str | None:
    if kind in BUCKETS:
        return _bucket_problem(name)
    if kind in (LOAD_BALANCER, TARGET_GROUP):
        if not _LB.match(name):
            return "at most 32 letters, digits and hyphens, not starting or ending with a hyphen"
        if kind == LOAD_BALANCER and name.startswith("internal-"):
            return "not starting with internal-"
        return None
    if kind == ROLE:
        return None if _ROLE.match(name) else "at most 64 of letters, digits and +=,.@_-"
    return None if _FUNCTION.match(name) else "at most 64 letters, digits, hyphens and underscores"


def names(record: Record, context: Context) -> Iterator[str]:
    kind = str(record["type"])
    values = inputs(record)
    name = values.get(_NAME_KEY[kind])
    if is_known(name):
        problem = _name_problem(kind, str(name))
        if problem:
            yield f"name {name!r} ({len(str(name))} characters) breaks AWS's rule: {problem}"
    prefix = values.get("bucketPrefix" if kind in BUCKETS else "namePrefix")
    room = _PREFIX_ROOM.get(kind)
    if is_known(prefix) and room is not None and len(str(prefix)) > room:
        yield f"name prefix {prefix!r} is longer than the {room} characters AWS leaves for it"


def global_home(record: Record, context: Context) -> Iterator[str]:
    # Global Accelerator's API lives in us-west-2 only; pulumi-aws calls it there as long as
    # the resource is not pinned to a region.
    if "region" in inputs(record):
        yield f"pinned to region {inputs(record)['region']}; leave region unset for a global service"
    elif record.get("region") not in (None, "global"):
        yield f"recorded in {record.get('region')} instead of global"


def _stream_problem(table: Record) -> str | None:
    values = inputs(table)
    if truthy(values.get("streamEnabled")) and values.get("streamViewType") in (
            "NEW_AND_OLD_IMAGES", "[unknown]"):
        return None
    return (f"global table stream is {values.get('streamViewType') or 'off'}; replicas need "
            "streamEnabled with NEW_AND_OLD_IMAGES")


def table_stream(record: Record, context: Context) -> Iterator[str]:
    if inputs(record).get("replicas"):
        problem = _stream_problem(record)
        if problem:
            yield problem


def replica_sources(records: Sequence[Record], context: Context) -> Iterator[tuple[str | None, str]]:
    replicas = of_type(records, TABLE_REPLICA)
    for table in of_type(records, TABLE):
        table_names = physical_names(table, "name")
        if not inputs(table).get("replicas") and any(
                referenced_by(r, table, "globalTableArn", table_names) for r in replicas):
            problem = _stream_problem(table)
            if problem:
                yield table.get("urn"), problem


RULES = [
    Rule("aws-name-limits", "S3, load balancer, target group, IAM role and Lambda names fit AWS's "
         "length and character rules", "limits", "high", (),
         frozenset({*BUCKETS, LOAD_BALANCER, TARGET_GROUP, ROLE, FUNCTION}), check=names),
    Rule("global-accelerator-global", "Global Accelerator resources are global, not pinned to a "
         "region", "limits", "medium", (), GLOBAL_ACCELERATOR, check=global_home),
    Rule("global-table-stream", "Global tables stream NEW_AND_OLD_IMAGES", "limits", "high", (),
         frozenset({TABLE}), check=table_stream, check_stack=replica_sources),
]
