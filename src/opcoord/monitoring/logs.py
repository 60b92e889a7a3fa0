"""The console: text for a person, or one JSON object per line for a log collector.

``configure`` is called once by the command line before the server starts (never by
the app itself, so tests keep pytest's own log capture). Every line carries the
request id, the user and the operation when they are known. Two sources of noise are
demoted to debug: APScheduler's lines for each job run ("Running job ...", "executed
successfully"), and WeasyPrint's warnings about CSS it ignores (and fontTools' chatter
under it); their errors stay errors.
"""

import json
import logging
import logging.config
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from opcoord.audit.log import SYSTEM, current_actor
from opcoord.headers import request_id
from opcoord.monitoring.http import operation

Format = Literal["text", "json"]
CONTEXT = ("request_id", "user", "operation")
#: Loggers whose lines below ERROR are debug lines, whatever level they were logged at.
DEMOTED = ("apscheduler", "weasyprint", "fontTools")
#: What every LogRecord has: the rest of a record's attributes are its ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured copy of the message
    "taskName",
    *CONTEXT,
}


class Context(logging.Filter):
    """Adds ``request_id``, ``user`` and ``operation`` (None where unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        actor = current_actor.get()
        record.request_id = request_id.get()
        record.user = None if actor is SYSTEM else actor.name
        record.operation = operation.get()
        return True


class Demote(logging.Filter):
    """Turns the noisy libraries' lines below ERROR into debug lines, and drops them
    unless the console shows debug."""

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            return True
        noisy = record.name.startswith(DEMOTED) or (
            record.name == "alembic.runtime.migration"
            and not str(record.msg).startswith("Running")  # keep "Running upgrade a -> b"
        )
        if not noisy:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return self.threshold <= logging.DEBUG


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in CONTEXT:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        line.update((k, v) for k, v in vars(record).items() if k not in _STANDARD)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s%(where)s")

    def format(self, record: logging.LogRecord) -> str:
        known = [f"{k}={getattr(record, k)}" for k in CONTEXT if getattr(record, k, None)]
        record.where = f"  [{' '.join(known)}]" if known else ""
        return super().format(record)


def configure(level: str = "info", fmt: Format = "text", stream: TextIO | None = None) -> None:
    """Send every logger's lines to ``stream`` (stderr) in ``fmt``, from ``level`` up."""
    threshold = logging.getLevelName(level.upper())
    assert isinstance(threshold, int)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setLevel(threshold)
    handler.addFilter(Context())
    handler.addFilter(Demote(threshold))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(threshold)
    # A library's warnings.warn() becomes a log line too (py.warnings), not raw text
    # between the JSON lines.
    logging.captureWarnings(True)
    # uvicorn's loggers write through the root logger; its access lines are replaced by
    # the app's own (opcoord.http), which know the route, the user and the operation.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def say(message: str) -> None:
    """A line the command line says to the person starting it, as a log line."""
    logging.getLogger("opcoord").info(message)


#: What uvicorn.run needs so that it leaves the logging set up above alone.
UVICORN_LOGGING: dict[str, Any] = {"log_config": None, "log_level": None, "access_log": False}
