"""Shared code for the multi-region DR layers: settings, contracts, components, plan, operations."""
