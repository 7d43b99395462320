"""orders: one function in each DR region, in the platform's private subnets with its application
security group, reading the platform's global table and active-region flag.

The platform is read through `dr_platform` (the typed reader the platform publishes), one
StackReference per layer; every regional value comes from that region's own network outputs.
"""

import json

import pulumi
import pulumi_aws as aws
from dr_platform import Data, NetworkPrimary, NetworkSecondary

data = Data()
keys = {"primary": data.primary_kms_key_arn, "secondary": data.secondary_kms_key_arn}
account = aws.get_caller_identity_output().account_id
assume = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def policy(region: str, account_id: str, table: str, parameter: str, key: str) -> str:
    # Only this region's replica, flag and key: the function keeps working with the other gone.
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
         "Resource": f"arn:aws:dynamodb:{region}:{account_id}:table/{table}"},
        {"Effect": "Allow", "Action": "ssm:GetParameter",
         "Resource": f"arn:aws:ssm:{region}:{account_id}:parameter{parameter}"},
        {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}]})


for role, network in (("primary", NetworkPrimary()), ("secondary", NetworkSecondary())):
    region, name = network.region, f"orders-{pulumi.get_stack()}-{role}"
    iam_role = aws.iam.Role(f"orders-{role}", assume_role_policy=assume)
    # ENIs in the platform's subnets; the function's own logs.
    vpc_access = aws.iam.RolePolicyAttachment(
        f"orders-{role}-vpc", role=iam_role.name,
        policy_arn="arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")
    access = aws.iam.RolePolicy(f"orders-{role}-data", role=iam_role.id, policy=pulumi.Output.all(
        region, account, data.table_name, data.active_region_parameter_name, keys[role]).apply(
            lambda values: policy(*values)))
    logs = aws.cloudwatch.LogGroup(f"orders-{role}-logs", region=region, name=f"/aws/lambda/{name}",
                                   retention_in_days=30)
    function = aws.lambda_.Function(
        f"orders-{role}", region=region, name=name,
        role=iam_role.arn, runtime="python3.12", architectures=["arm64"], handler="orders.handler",
        code=pulumi.FileArchive("./app"), timeout=10,
        vpc_config={"subnet_ids": network.private_subnet_ids,
                    "security_group_ids": [network.app_security_group_id]},
        environment={"variables": {"TABLE_NAME": data.table_name,
                                   "ACTIVE_REGION_PARAMETER": data.active_region_parameter_name}},
        logging_config={"log_format": "JSON", "log_group": logs.name},
        # Lambda deletes its network interfaces with the role's permissions after the function.
        opts=pulumi.ResourceOptions(depends_on=[vpc_access, access]))
    pulumi.export(f"{role}_function_arn", function.arn)
