"""The failover engines: the client-side sequence (preflight, steps, lock, progress file) and the
ARC Region switch plan execution. Built on shared.ops.aws only."""
