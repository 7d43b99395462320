"""This region's write fence: the parameter named by WRITES_ENABLED_PARAMETER
(`/dr/<env>/regional/writes-enabled`), "true" or "false", which `invoke failover` and `failback`
flip. Writes go ahead only on "true": a missing, unreadable or other value fences the region
(fail closed), because a write taken in a region the operator fenced lands in the global table
behind the new writer's back, while a refused write is a visible 503 the client retries.

The answer is cached TTL_SECONDS per execution environment: one GetParameter per request would
add a round trip to every write and spend Parameter Store's per-region throughput (shared by
the account) at the API's request rate. The cache bounds how long a fenced region may still
take writes after the flip, so the failover waits that long before it moves the writer.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from clients import required_env
from log import get_logger

log = get_logger("fence")

# A literal: `invoke failover` reads it from this file (shared/ops/aws/fence.py) to wait it out.
TTL_SECONDS = 5.0
# What a refused write tells the client: about the time a failover takes to move the writer.
RETRY_AFTER_SECONDS = 30
clock = time.monotonic


class WriteFence:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._enabled = False
        self._read_at: float | None = None

    def forget(self) -> None:
        self._read_at = None

    def writes_enabled(self, ssm: Any) -> bool:
        now = clock()
        if self._read_at is not None and now - self._read_at < self.ttl:
            return self._enabled
        name = required_env("WRITES_ENABLED_PARAMETER")
        try:
            value = str(ssm.get_parameter(Name=name)["Parameter"]["Value"]).strip().lower()
            self._enabled = value == "true"
            if value not in ("true", "false"):
                log.error("write fence has an unexpected value; writes refused",
                          extra={"parameter": name, "value": value})
        except (BotoCoreError, ClientError) as error:
            # Cached like an answer: a throttled Parameter Store is not retried by every write.
            log.error("write fence unreadable; writes refused",
                      extra={"parameter": name, "error": str(error)})
            self._enabled = False
        self._read_at = now
        return self._enabled


FENCE = WriteFence()
