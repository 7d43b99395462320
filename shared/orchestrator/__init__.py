"""Drives the real `pulumi` CLI over the layer graph: deploy, preview, destroy, read outputs.

`outputs.stack_outputs` is the one way other tools read a deployed layer's outputs.
"""

from shared.orchestrator.errors import OrchestratorError

__all__ = ["OrchestratorError"]
