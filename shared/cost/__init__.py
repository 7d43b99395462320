"""`invoke cost`: the monthly estimate of an environment from its offline plan."""
