"""The traffic dials Global Accelerator serves right now, read when the program runs.

terraform-provider-aws sends `TrafficDialPercentage` from the program on every update of an
endpoint group (a new NLB ARN, a weight...), and Pulumi's `ignore_changes` only swaps in the
value from the last deployment's state. Either way a redeploy after `invoke failover` would
turn the dials back. So the program passes the live dials as its input: a redeploy while the
regions are swapped keeps them swapped, and a first deployment (no endpoint groups yet) gets
the dials of dr:trafficMode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pulumi
from botocore.exceptions import BotoCoreError, ClientError

from shared.ops.aws.clients import GA_API_REGION, AwsClients

# listener ARN -> {endpoint group region: live dial}; empty while the listener has no groups.
DialReader = Callable[[str], dict[str, float]]


def read_live_dials(listener_arn: str, clients: AwsClients | None = None) -> dict[str, float]:
    """The dial of each endpoint group of `listener_arn`, by region, from Global Accelerator."""
    client = (clients or AwsClients()).globalaccelerator()
    dials: dict[str, float] = {}
    try:
        for page in client.get_paginator("list_endpoint_groups").paginate(ListenerArn=listener_arn):
            for group in page["EndpointGroups"]:
                dials[group["EndpointGroupRegion"]] = float(group["TrafficDialPercentage"])
    except client.exceptions.ListenerNotFoundException:
        return {}  # created in this very deployment, or gone: nothing to keep
    except (BotoCoreError, ClientError) as error:
        reason = str(error).splitlines()[0]
        raise pulumi.RunError(
            f"cannot read the live traffic dials ({reason}); deploying now could turn back dials "
            f"a failover moved: retry once Global Accelerator's API ({GA_API_REGION}) answers"
        ) from None
    return dials


_readers: list[DialReader] = [read_live_dials]


@contextmanager
def dials_read_by(reader: DialReader) -> Iterator[None]:
    """Read the dials with `reader` meanwhile: the offline plan answers from its fake world."""
    _readers.append(reader)
    try:
        yield
    finally:
        _readers.remove(reader)


def live_dials(listener_arn: pulumi.Output[str]) -> pulumi.Output[dict[str, float]]:
    """The live dials once the listener's ARN is known (in a redeploy's preview too)."""
    reader = _readers[-1]
    return listener_arn.apply(reader)
