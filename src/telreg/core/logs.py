"""Configure stdlib logging once for a process: one line per event, ``key=value`` fields, level from settings.

``telreg serve`` and ``telreg worker`` call :func:`configure_logging` before anything else. Modules keep
using ``logging.getLogger("telreg.<area>")``; a call passes its structured fields as ``extra`` so that they
come out as fields rather than inside the sentence::

    log.info("job finished", extra={"event": "job.finished", "job_id": 7, "kind": "mail.deliver"})
    → ts=2026-03-02T10:00:00.123+08:00 level=INFO logger=telreg.jobs event=job.finished msg="job finished"
      job_id=7 kind=mail.deliver

Values with spaces, quotes or ``=`` are quoted, and line breaks escaped, so one event is always one line (a
mail body written by the logging mail transport too) and a log shipper can split the fields without a grammar.
(The line above is wrapped for this docstring only.)

The ``ts`` field is the machine's real time, not the runtime clock: a log says when something happened on the
server, also when an officer rehearses with ``--as-of``.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
from typing import IO

__all__ = ["KeyValueFormatter", "configure_logging"]

# Attributes every LogRecord has: whatever else is on a record came in through ``extra`` and is a field.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_DROPPED = _STANDARD | {"color_message"}  # uvicorn's copy of msg with terminal colour codes
_HANDLER_NAME = "telreg"
_lock = threading.Lock()


def _quote(value: object) -> str:
    text = str(value)
    if text and not any(c in text for c in ' "=\n\r\t\\'):
        return text
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f'"{escaped}"'


class KeyValueFormatter(logging.Formatter):
    """``ts=… level=… logger=… [event=…] msg="…" field=value …`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        at = dt.datetime.fromtimestamp(record.created).astimezone()
        parts = [f"ts={at.isoformat(timespec='milliseconds')}", f"level={record.levelname}",
                 f"logger={record.name}"]
        fields = {k: v for k, v in record.__dict__.items() if k not in _DROPPED and not k.startswith("_")}
        event = fields.pop("event", None)
        if event is not None:
            parts.append(f"event={_quote(event)}")
        parts.append(f"msg={_quote(record.getMessage())}")
        parts.extend(f"{key}={_quote(value)}" for key, value in fields.items())
        if record.exc_info:
            parts.append(f"exc={_quote(self.formatException(record.exc_info))}")
        return " ".join(parts)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever ``sys.stderr`` is at each event, not the one at start-up: a test runner swaps it per
    test, and a handler kept on the root logger must not write to a closed capture afterwards."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr


def configure_logging(level: str = "INFO", *, stream: IO[str] | None = None) -> logging.Handler:
    """Install the one key=value handler on the root logger (again: only the level changes); return it."""
    numeric = logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ValueError(f"{level!r} is not a log level; use DEBUG, INFO, WARNING or ERROR.")
    root = logging.getLogger()
    with _lock:
        handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
        if handler is None:
            handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
            handler.set_name(_HANDLER_NAME)
            handler.setFormatter(KeyValueFormatter())
            root.addHandler(handler)
        root.setLevel(numeric)
        # aiosmtpd's sink writes several INFO lines per SMTP conversation; the inbox already shows each mail.
        logging.getLogger("mail.log").setLevel(max(numeric, logging.WARNING))
    return handler
