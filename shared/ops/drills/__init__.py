"""Drills and probers: planned and outage drills, what users saw (the prober) and what was lost
(the heartbeats). Built on shared.ops.engines and shared.ops.aws."""
