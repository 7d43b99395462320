"""The sandbox proof: the runbook of docs/sandbox-proof.md as one timed, recorded run."""
