"""Talking to AWS and reading the deployed topology: clients, probes, the contract mirror, health,
status, the write fence and the Region switch plan's views. Imports nothing else from shared.ops."""
