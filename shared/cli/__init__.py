"""invoke task modules; tasks.py at the repository root collects them."""
