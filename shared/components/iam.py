"""IAM roles AWS services assume on our behalf."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws


def service_role(name: str, service: str, tags: dict[str, str], opts: pulumi.ResourceOptions,
                 description: str | None = None) -> aws.iam.Role:
    """A role only `service` (e.g. "lambda.amazonaws.com") may assume; permissions come after."""
    return aws.iam.Role(
        name, description=description,
        assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}]}),
        tags=tags, opts=opts)
