"""The outage drill's impairment: the parameter named by DRILL_IMPAIRED_PARAMETER
(`/dr/<env>/regional/drill/impaired`), which `invoke drill --kind outage` sets to "true" in the
primary and restores afterwards. Only the health function reads it: while it says "true" the
region's health answers 503, so Global Accelerator's and Route 53's checks see the region fail
while the application itself (the items API, the database, the table) is untouched.

It fails open, unlike the write fence: a missing parameter, another value, an unreadable
Parameter Store or an unset variable all mean "not impaired". A drill flag that cannot be read
must never turn a healthy region unhealthy; a drill that finds its impairment without effect
says so itself (it waits for the 503s and reports when none came).

The answer is cached TTL_SECONDS per execution environment, like the fence, so the health
answer stays within its budget (health.py) and Parameter Store is read once per TTL at most:
the drill's detection times include up to that long.
"""

from __future__ import annotations

import os
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from log import get_logger

log = get_logger("drill")

# A literal: `invoke drill --kind outage` reads it from this file to report the cache's share.
TTL_SECONDS = 5.0
IMPAIRED = "impaired"
CLEAR = "none"
clock = time.monotonic


class DrillFlag:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._impaired = False
        self._read_at: float | None = None

    def forget(self) -> None:
        self._read_at = None

    def impaired(self, ssm: Any) -> bool:
        now = clock()
        if self._read_at is not None and now - self._read_at < self.ttl:
            return self._impaired
        name = os.environ.get("DRILL_IMPAIRED_PARAMETER", "")
        self._impaired = bool(name) and self._read(ssm, name)
        self._read_at = now
        return self._impaired

    @staticmethod
    def _read(ssm: Any, name: str) -> bool:
        try:
            value = str(ssm.get_parameter(Name=name)["Parameter"]["Value"])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ParameterNotFound":
                log.warning("drill flag unreadable; not impaired", extra={"parameter": name,
                                                                          "error": str(error)})
            return False
        except BotoCoreError as error:
            # Cached like an answer: a throttled Parameter Store is not asked by every check.
            log.warning("drill flag unreadable; not impaired", extra={"parameter": name, "error": str(error)})
            return False
        return value.strip().lower() == "true"


FLAG = DrillFlag()
