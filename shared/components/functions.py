"""RegionalFunction: one Lambda function with its own role, log group and, for asynchronous
callers, retries and a dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from shared.components.iam import service_role
from shared.config import HANDLERS_DIR
from shared.naming import dead_letter_queue_name, function_name

RUNTIME = "python3.12"
VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
# Lambda retries a failed asynchronous invocation this often before the dead-letter queue.
ASYNC_RETRIES = 2
ASYNC_MAX_AGE_SECONDS = 3600


def handler_code(directory: Path = HANDLERS_DIR, extra: Sequence[Path] = ()) -> pulumi.AssetArchive:
    """The handlers folder's Python files only, so a stray __pycache__ never changes the hash,
    plus `extra` modules shared with another folder (imported as top-level modules too)."""
    files = sorted(directory.glob("*.py")) + [Path(path) for path in extra]
    return pulumi.AssetArchive({path.name: pulumi.FileAsset(str(path)) for path in files})


@dataclass
class VpcPlacement:
    subnet_ids: pulumi.Input[Sequence[str]]
    security_group_ids: Sequence[pulumi.Input[str]]


@dataclass
class RegionalFunctionArgs:
    environment: str
    region: str
    module: str  # handler module in handlers_dir, e.g. "health"
    description: str
    # IAM statements beyond logging; each a dict whose values may be Outputs.
    statements: Sequence[Mapping[str, Any]]
    variables: Mapping[str, pulumi.Input[str]]
    log_kms_key_arn: pulumi.Input[str]
    log_retention_days: int
    vpc: VpcPlacement | None = None
    asynchronous: bool = False
    timeout: int = 10
    memory_size: int = 256
    # Reserved concurrency: a floor other functions cannot take, and a ceiling for this one.
    reserved_concurrency: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # The folder packaged as the function's code (another layer's handlers live beside it).
    handlers_dir: Path = HANDLERS_DIR
    # Modules from another folder packaged beside it (the authority record's, for the recovery layer).
    extra_modules: Sequence[Path] = ()


class RegionalFunction(pulumi.ComponentResource):
    """Owns the function, a role that may only do what `statements` allow plus write its own log
    group, the KMS-encrypted log group with retention (created first, so Lambda never creates
    an unmanaged one) and, when `asynchronous`, an SQS dead-letter queue and the retry policy."""

    def __init__(self, name: str, args: RegionalFunctionArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:compute:RegionalFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.function_name = function_name(args.module, args.environment, args.region)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/lambda/{self.function_name}",
            retention_in_days=args.log_retention_days, kms_key_id=args.log_kms_key_arn,
            region=args.region, tags=args.tags, opts=child)
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq", name=dead_letter_queue_name(args.module, args.environment, args.region),
            sqs_managed_sse_enabled=True,
            message_retention_seconds=14 * 24 * 3600, region=args.region, tags=args.tags,
            opts=child) if args.asynchronous else None
        self.role = self._role(name, args)
        self.function = aws.lambda_.Function(
            f"{name}-function", name=self.function_name, description=args.description,
            runtime=RUNTIME, architectures=["arm64"], handler=f"{args.module}.handler",
            code=handler_code(args.handlers_dir, args.extra_modules), role=self.role.arn,
            timeout=args.timeout,
            memory_size=args.memory_size, reserved_concurrent_executions=args.reserved_concurrency,
            environment={"variables": {"DR_ENVIRONMENT": args.environment, **args.variables}},
            vpc_config={"subnet_ids": args.vpc.subnet_ids,
                        "security_group_ids": list(args.vpc.security_group_ids)} if args.vpc else None,
            dead_letter_config={"target_arn": self.dead_letter_queue.arn}
            if self.dead_letter_queue else None,
            logging_config={"log_format": "JSON", "log_group": self.log_group.name},
            region=args.region, tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, *self._grants]))
        if args.asynchronous:
            aws.lambda_.FunctionEventInvokeConfig(
                f"{name}-async", function_name=self.function.name,
                maximum_retry_attempts=ASYNC_RETRIES,
                maximum_event_age_in_seconds=ASYNC_MAX_AGE_SECONDS, region=args.region,
                opts=child)
        self.register_outputs({"arn": self.function.arn, "name": self.function.name})

    @property
    def queue(self) -> aws.sqs.Queue:
        """The dead-letter queue of an asynchronous function."""
        if self.dead_letter_queue is None:
            raise ValueError(f"{self.function_name} is invoked synchronously: no dead-letter queue")
        return self.dead_letter_queue

    def _role(self, name: str, args: RegionalFunctionArgs) -> aws.iam.Role:
        child = pulumi.ResourceOptions(parent=self)
        # Lambda deletes a VPC function's network interfaces with the function's own role, up to
        # ~45 minutes after the function is gone. Without the role and its VPC permissions by
        # then, the interfaces stay in the subnets and the network layer's destroy fails with
        # DependencyViolation. So a VPC function's role and that attachment are kept on destroy
        # (no cost, ENI management only; its inline permissions go with the function).
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=args.vpc is not None)
        role = service_role(f"{name}-role", "lambda.amazonaws.com", args.tags, kept,
                            description=f"{self.function_name} (Lambda execution)")
        logging = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                   "Resource": self.log_group.arn.apply(lambda arn: f"{arn}:*")}
        dead_letter = [{"Effect": "Allow", "Action": "sqs:SendMessage",
                        "Resource": self.dead_letter_queue.arn}] if self.dead_letter_queue else []
        statements = [logging, *dead_letter, *args.statements]
        policy = aws.iam.RolePolicy(
            f"{name}-policy", role=role.id,
            policy=pulumi.Output.all(*[pulumi.Output.from_input(s) for s in statements]).apply(
                lambda resolved: json.dumps({"Version": "2012-10-17", "Statement": resolved})),
            opts=child)
        self._grants: list[pulumi.Resource] = [policy]
        if args.vpc:
            # Creating and deleting the function's network interfaces in the private subnets.
            self._grants.append(aws.iam.RolePolicyAttachment(
                f"{name}-vpc-access", role=role.name, policy_arn=VPC_ACCESS_POLICY, opts=kept))
        return role
