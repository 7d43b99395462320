"""Structured logging for the handlers: one JSON object per line.

With the function's log format set to JSON, Lambda's own formatter already writes each record
as JSON and merges the `extra` fields into it. Anywhere else (text log format, local runs) the
"dr" logger gets a handler of its own writing the same shape, so the fields are never lost.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in _STANDARD_FIELDS)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at emit time (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"dr.{name}")


_root = logging.getLogger("dr")
# Lambda's application log level; its TRACE has no Python equivalent.
_level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper()
_root.setLevel({"TRACE": "DEBUG"}.get(_level, _level))
if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() != "JSON":
    _handler = _CurrentStderr()
    _handler.setFormatter(JsonLines())
    _root.addHandler(_handler)
    _root.propagate = False
