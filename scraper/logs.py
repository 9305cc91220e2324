"""Logging setup: human lines on stderr by default, one JSON object per line with `--log-format json`."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import time
from typing import Any

from .sanity import escape_controls, escape_lines, json_text

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
        return json_text(document, default=str)  # C1 and bidi as \uXXXX too: journalctl prints it raw


class TextFormatter(logging.Formatter):
    """One plain line per record: the message's control characters (an ESC or a newline in a title, URL or
    error reason from the source) are escaped, so the source can neither drive the operator's terminal nor
    forge a log line. A traceback keeps its line breaks; what is inside its lines is escaped the same way
    (an exception's message may quote the source)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return escape_lines(super().formatException(ei))


class RepeatFilter(logging.Filter):
    """Lets at most BURST records of one kind (logger, level, message template) through per WINDOW seconds.

    Warnings and errors of the libraries only (uvicorn, asyncio, …): a hostile client can make them log one
    per connection, and 500,000 identical tracebacks would fill the disk. The project's own lines are left
    alone: each names an item, a source or a cycle, and is bounded by them. The first record let through
    after some were dropped says how many."""

    BURST = 5
    WINDOW = 60.0

    def __init__(self) -> None:
        super().__init__()
        self._seen: dict[tuple[str, int, str], tuple[float, int, int]] = {}  # start, passed, dropped
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or record.name.split(".")[0] == "scraper":
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        with self._lock:
            start, passed, dropped = self._seen.get(key, (now, 0, 0))
            if now - start >= self.WINDOW:
                start, passed = now, 0
            if passed >= self.BURST:
                self._seen[key] = (start, passed, dropped + 1)
                return False
            self._seen[key] = (start, passed + 1, 0)
            if len(self._seen) > 10_000:  # keys are templates, so this only guards against a logging bug
                self._seen.clear()
        if dropped:
            record.msg = f"{record.msg} [{dropped} more like this dropped]"
        return True


def setup_logging(*, fmt: str = "text", verbosity: int = 0) -> None:
    """verbosity: -1 quiet (errors only), 0 normal (one line per source and cycle), 1 debug."""
    level = {-1: logging.ERROR, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(RepeatFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request at INFO; that is our debug detail, not the operator's summary.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbosity > 0 else logging.WARNING)
