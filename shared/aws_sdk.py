"""boto3 clients, sessions and botocore configs, with boto3 imported on first use.

Importing boto3 (botocore's HTTP stack and awscrt) costs about a fifth of a second, which every
invoke task would pay at start through the modules tasks.py loads, `invoke plan` included,
which never calls AWS.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3
    from botocore.config import Config


def client(service: str, **kwargs: Any) -> Any:
    import boto3

    return boto3.client(service, **kwargs)


def session(**kwargs: Any) -> boto3.Session:
    import boto3

    return boto3.Session(**kwargs)


def config(**kwargs: Any) -> Config:
    """A botocore Config of a copy of `kwargs`: botocore rewrites the `retries` dict it is given
    (max_attempts becomes total_max_attempts), which would change the caller's constant."""
    from botocore.config import Config

    return Config(**copy.deepcopy(kwargs))
