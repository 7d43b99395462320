"""Tags: every resource that can carry tags carries the environment and project ones, so cost
reports, IAM conditions and a cleanup script can tell which stack owns it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from shared.policy.engine import Context, Record, Rule, inputs, taggable


def required_tags(record: Record, context: Context) -> Iterator[str]:
    # Whether a type is taggable comes from pulumi-aws itself (a `tags` argument), cached per type.
    if not taggable(str(record["type"])):
        return
    tags = inputs(record).get("tags")
    tags = tags if isinstance(tags, Mapping) else {}
    missing = [key for key in context.required_tags if key not in tags]
    if missing:
        yield f"tags {', '.join(missing)} missing"
    for key, expected in context.required_tags.items():
        if key in tags and tags[key] not in (expected, "[unknown]"):
            yield f"tag {key} is {tags[key]!r}, not {expected!r}"


RULES = [
    Rule("required-tags", "Every taggable resource carries the Environment and Project tags",
         "tags", "low", (), check=required_tags),
]
