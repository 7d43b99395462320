"""Physical names: every one ends in the environment so stacks of one account never collide."""

from __future__ import annotations

PROJECT = "dr"
# Longest name built here: "dr-" + kind (<= 5) + "-" + env + "-" + region code (<= 5) must fit
# the 32-character limit AWS puts on load balancer and target group names.
MAX_ENVIRONMENT_LENGTH = 16

_DIRECTIONS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
    "northeast": "ne", "southeast": "se", "northwest": "nw", "southwest": "sw",
}


def region_code(region: str) -> str:
    """us-east-1 -> use1, ap-southeast-2 -> apse2: short enough for 32-character names."""
    area, *middle, number = region.split("-")
    return area + "".join(_DIRECTIONS.get(part, part[:1]) for part in middle) + number


def physical_name(kind: str, environment: str, region: str | None = None) -> str:
    parts = [PROJECT, kind, environment]
    if region:
        parts.append(region_code(region))
    return "-".join(parts)


def function_name(module: str, environment: str, region: str) -> str:
    """A handler module's function name: parameter_replicator -> dr-parameter-replicator-dev-use1."""
    return physical_name(module.replace("_", "-"), environment, region)


def dead_letter_queue_name(module: str, environment: str, region: str) -> str:
    """Where an asynchronous function's failed invocations and events end up."""
    return f"{function_name(module, environment, region)}-dlq"


def lb_name(kind: str, environment: str, region: str) -> str:
    name = physical_name(kind, environment, region)
    if len(name) > 32:
        raise ValueError(f"load balancer name {name!r} exceeds AWS's 32 characters")
    return name


def arn_in_region(arn: str, region: str) -> str:
    """The same resource's ARN in another region: a Secrets Manager replica or a DynamoDB
    global table replica keeps its name (and suffix); only the region field differs."""
    parts = arn.split(":")
    parts[3] = region
    return ":".join(parts)
