"""The orchestrator over a stand-in pulumi CLI."""
