"""The offline plan: every layer program run under Pulumi's mock runtime, in graph order."""
