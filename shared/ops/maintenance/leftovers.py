"""What Global Accelerator leaves in a VPC, removed so the network layer can be destroyed.

With client IP preservation Global Accelerator creates, in each VPC behind it, one network
interface per endpoint subnet and a security group named `GlobalAccelerator` attached to them.
It deletes the interfaces itself some minutes after the endpoint group is gone, never the group;
until both are gone the subnets and the VPC fail to delete with DependencyViolation. So, once
the global-traffic layer is destroyed: wait (bounded, reporting progress) for the interfaces to
disappear, then delete the group.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from shared.ops.aws.errors import OpsError

GA_GROUP_NAME = "GlobalAccelerator"
# AWS gives no figure; interfaces are normally gone within minutes of the endpoint group.
WAIT_SECONDS = 30 * 60.0
POLL_SECONDS = 15.0


def accelerator_groups(ec2: Any, vpc_id: str) -> list[str]:
    """IDs of the security groups Global Accelerator created in `vpc_id`."""
    answer = ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [GA_GROUP_NAME]}])
    return [group["GroupId"] for group in answer["SecurityGroups"]]


def accelerator_interfaces(ec2: Any, vpc_id: str, group_ids: list[str]) -> list[str]:
    """IDs of the network interfaces in `vpc_id` that still use those groups."""
    found: list[str] = []
    paginator = ec2.get_paginator("describe_network_interfaces")
    for page in paginator.paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                            {"Name": "group-id", "Values": group_ids}]):
        found.extend(interface["NetworkInterfaceId"] for interface in page["NetworkInterfaces"])
    return found


def remove_accelerator_leftovers(
        ec2: Any, vpc_id: str, region: str, *, fix: str,
        report: Callable[[str], None] = print, sleep: Callable[[float], Any] = time.sleep,
        clock: Callable[[], float] = time.monotonic, wait_seconds: float = WAIT_SECONDS,
        poll_seconds: float = POLL_SECONDS) -> list[str]:
    """Wait for Global Accelerator's interfaces in `vpc_id` to go, then delete its group(s).

    Returns the deleted group IDs. `fix` is the command that removes what still uses the
    interfaces (the global-traffic destroy), named when the wait runs out. A `sleep` that
    returns True (threading.Event.wait) stops the wait: Ctrl-C.
    """
    try:
        groups = accelerator_groups(ec2, vpc_id)
        if not groups:
            return []
        started = clock()
        while interfaces := accelerator_interfaces(ec2, vpc_id, groups):
            waited = clock() - started
            if waited >= wait_seconds:
                raise OpsError(
                    f"{vpc_id} ({region}) still holds {len(interfaces)} Global Accelerator network "
                    f"interfaces after {waited / 60:.0f} min ({', '.join(interfaces)}): is the "
                    f"accelerator still there? {fix}, then run this again")
            report(f"{region}: waiting for Global Accelerator to remove {len(interfaces)} network "
                   f"interfaces from {vpc_id} ({waited:.0f} s so far)")
            if sleep(poll_seconds) is True:
                raise OpsError(f"{region}: interrupted while waiting for Global Accelerator's "
                               f"network interfaces in {vpc_id}")
        for group_id in groups:
            _delete_group(ec2, group_id)
            report(f"{region}: deleted security group {group_id} ({GA_GROUP_NAME}) from {vpc_id}")
        return groups
    except ClientError as error:
        raise OpsError(f"{region}: removing Global Accelerator's leftovers from {vpc_id} failed: "
                       f"{str(error).splitlines()[0]}") from None


def _delete_group(ec2: Any, group_id: str) -> None:
    try:
        ec2.delete_security_group(GroupId=group_id)
    except ClientError as error:
        if error.response["Error"]["Code"] != "InvalidGroup.NotFound":  # deleted meanwhile
            raise
