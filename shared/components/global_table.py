"""GlobalTable: a DynamoDB global table (version 2019.11.21) with a replica per region."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from shared.naming import arn_in_region


@dataclass
class GlobalTableArgs:
    environment: str
    primary_region: str
    secondary_region: str
    primary_kms_key_arn: pulumi.Input[str]
    secondary_kms_key_arn: pulumi.Input[str]
    protect: bool
    tags: dict[str, str] = field(default_factory=dict)


class GlobalTable(pulumi.ComponentResource):
    """Owns the on-demand items table in the primary region and its replica in the secondary:
    streams with new and old images (global tables replicate through them), point-in-time
    recovery and the region's own CMK on every replica, deletion protection when protected."""

    def __init__(self, name: str, args: GlobalTableArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dr:data:GlobalTable", name, None, opts)
        self.table = aws.dynamodb.Table(
            f"{name}-table", name=f"dr-{args.environment}-items", billing_mode="PAY_PER_REQUEST",
            hash_key="pk", attributes=[{"name": "pk", "type": "S"}],
            stream_enabled=True, stream_view_type="NEW_AND_OLD_IMAGES",
            point_in_time_recovery={"enabled": True},
            server_side_encryption={"enabled": True, "kms_key_arn": args.primary_kms_key_arn},
            deletion_protection_enabled=args.protect,
            replicas=[{
                "region_name": args.secondary_region, "kms_key_arn": args.secondary_kms_key_arn,
                "point_in_time_recovery": True, "propagate_tags": True,
                "deletion_protection_enabled": args.protect,
            }],
            region=args.primary_region, tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=args.protect,
                                        protect=args.protect))
        self.secondary_region = args.secondary_region
        self.register_outputs({"table_name": self.table.name, "table_arn": self.table.arn})

    def arn(self, role: str) -> pulumi.Output[str]:
        """The ARN of `role`'s replica: same table name, that region."""
        if role == "primary":
            return self.table.arn
        return self.table.arn.apply(lambda arn: arn_in_region(arn, self.secondary_region))
