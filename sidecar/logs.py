"""Log set-up: plain text or one JSON object per line (SIDECAR_LOG_FORMAT), each record carrying
the correlation id of the work in hand."""
from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone

from sidecar import correlation

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s]: %(message)s"
# LogRecord's own attributes: everything else on a record came through `extra=` and is context.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "correlation_id"}


class CorrelationFilter(logging.Filter):
    """Puts the current correlation id on every record ('-' when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = correlation.current() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation_id, then any `extra` context."""

    def format(self, record: logging.LogRecord) -> str:
        cid = getattr(record, "correlation_id", None) or correlation.current()
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": cid if cid and cid != "-" else None,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def log_format(env=None) -> str:
    """SIDECAR_LOG_FORMAT, `text` when unset (the configuration check refuses other values)."""
    value = ((env if env is not None else os.environ).get("SIDECAR_LOG_FORMAT") or "text").strip().lower()
    return value if value in FORMATS else "text"


def formatter(kind: str) -> logging.Formatter:
    """The formatter of a log format."""
    return JsonFormatter() if kind == "json" else logging.Formatter(TEXT_FORMAT)


def handler(kind: str, stream=None) -> logging.Handler:
    """A stream handler (stderr by default) in that format, with the correlation filter."""
    out = logging.StreamHandler(stream)
    out.setFormatter(formatter(kind))
    out.addFilter(CorrelationFilter())
    return out


def configure(level: str | None = None, kind: str | None = None) -> None:
    """Set up the root logger for a command (replaces logging.basicConfig)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler(kind or log_format()))
    root.setLevel((level or os.environ.get("SIDECAR_LOG_LEVEL") or "INFO").upper())


def gunicorn_logconfig(kind: str, level: str) -> dict:
    """gunicorn's `logconfig_dict`: its own loggers and the app's through the same formatter."""
    factory = "sidecar.logs.JsonFormatter" if kind == "json" else "logging.Formatter"
    fmt = {"()": factory} if kind == "json" else {"format": TEXT_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"correlation": {"()": "sidecar.logs.CorrelationFilter"}},
        "formatters": {"sidecar": fmt},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "sidecar",
                                "filters": ["correlation"], "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {"gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
                    "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True}},
    }
