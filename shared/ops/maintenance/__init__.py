"""Maintenance: redriving the parameter replicator's dead letters, clearing what AWS leaves behind,
tearing down what a destroy needs gone. Built on shared.ops.aws only."""
