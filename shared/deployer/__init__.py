"""The deployer's IAM permissions, derived from the plan."""
