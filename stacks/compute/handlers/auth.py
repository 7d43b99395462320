"""The API key on the ALB door: the same key API Gateway enforces on the REST door, read from the
SecureString named by API_KEY_PARAMETER (`/dr/<env>/shared/api-key`, the data layer's, copied
to both regions), sent by clients as `x-api-key`.

The key is cached TTL_SECONDS per execution environment, like the write fence: one decrypting
GetParameter per request would spend Parameter Store's and KMS's throughput at the API's request
rate. A rotated key is accepted within that bound. An unreadable key refuses the request with 503
(fail closed), and the failure is cached like an answer so a throttled Parameter Store is not
hammered by every request.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from clients import required_env
from log import get_logger

log = get_logger("auth")

HEADER = "x-api-key"  # API Gateway's header name for API keys (apiKeySource HEADER)
TTL_SECONDS = 60.0
clock = time.monotonic


class KeyUnavailable(Exception):
    """The key could not be read: the caller answers 503, never lets the request through."""


class ApiKey:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._key: str | None = None
        self._read_at: float | None = None

    def forget(self) -> None:
        self._read_at = None

    def matches(self, presented: str | None, ssm: Any) -> bool:
        """Whether `presented` is the current key; KeyUnavailable when the key cannot be read."""
        key = self._current(ssm)
        if key is None:
            raise KeyUnavailable
        # Constant time: the comparison must not tell an attacker how much of a guess was right.
        return presented is not None and hmac.compare_digest(presented.encode(), key.encode())

    def _current(self, ssm: Any) -> str | None:
        now = clock()
        if self._read_at is not None and now - self._read_at < self.ttl:
            return self._key
        name = required_env("API_KEY_PARAMETER")
        try:
            found = ssm.get_parameter(Name=name, WithDecryption=True)
            self._key = str(found["Parameter"]["Value"]) or None
        except (BotoCoreError, ClientError) as error:
            log.error("api key unreadable; requests refused", extra={"parameter": name,
                                                                     "error": str(error)})
            self._key = None
        self._read_at = now
        return self._key


KEY = ApiKey()
