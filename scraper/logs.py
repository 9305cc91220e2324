"""Logging setup: human lines on stderr by default, one JSON object per line with `--log-format json`."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from .sanity import escape_controls

#: Attributes every LogRecord has; anything else was passed through `extra=` and goes into the JSON.
#: uvicorn adds `color_message` (the message with ANSI colour codes) to its records: noise in a JSON line.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        document.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            document["traceback"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """One plain line per record: the message's control characters (an ESC or a newline in a title, URL or
    error reason from the source) are escaped, so the source can neither drive the operator's terminal nor
    forge a log line. A traceback keeps its line breaks; what is inside its lines is escaped the same way
    (an exception's message may quote the source)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return "\n".join(escape_controls(line) for line in super().formatException(ei).split("\n"))


def setup_logging(*, fmt: str = "text", verbosity: int = 0) -> None:
    """verbosity: -1 quiet (errors only), 0 normal (one line per source and cycle), 1 debug."""
    level = {-1: logging.ERROR, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request at INFO; that is our debug detail, not the operator's summary.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity > 0 else logging.WARNING)
