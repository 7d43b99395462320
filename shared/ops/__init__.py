"""Operating the DR setup at run time with boto3: status, failover, failback and drills.

Every function takes a `DrTopology` (the deployed identifiers, built once from the layers'
stack outputs) and an `AwsClients` (boto3 clients per service and region), so tests build
both directly and run against moto or botocore's Stubber.
"""
