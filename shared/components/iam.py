"""IAM roles AWS services assume on our behalf."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws


def service_role(name: str, service: str, tags: dict[str, str], opts: pulumi.ResourceOptions,
                 description: str | None = None,
                 source_account: pulumi.Input[str] | None = None) -> aws.iam.Role:
    """A role only `service` (e.g. "lambda.amazonaws.com") may assume; permissions come after.

    `source_account`: the service may assume it only on behalf of this account, so another
    account's resource cannot borrow it (the confused-deputy condition the service documents).
    """

    def trust(account: str | None) -> str:
        statement: dict[str, object] = {
            "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": service}}
        if account:
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    policy: pulumi.Input[str] = (trust(None) if source_account is None
                                 else pulumi.Output.from_input(source_account).apply(trust))
    return aws.iam.Role(name, description=description, assume_role_policy=policy, tags=tags, opts=opts)
