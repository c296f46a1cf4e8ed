"""Logging set-up: every line the process writes to stdout is one JSON object (for Loki), or,
with LOG_FORMAT=console, a coloured line for a person.

The service's own events go through structlog straight to stdout (orjson, no stdlib
logging on the hot path). Libraries log through the standard library (the Cassandra
driver, aiohttp, asyncio, Python's warnings): their records go through structlog's
ProcessorFormatter with the same timestamp, level and renderer, plus the logger's name.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import TextIO

import orjson
import structlog

_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(level: str, fmt: str) -> None:
    json_lines = fmt == "json"
    structlog.configure(
        processors=[
            *_SHARED,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_dumps)
            if json_lines
            else structlog.dev.ConsoleRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        # No file given: each logger writes to the `sys.stdout` of its time, so a stream that
        # a test captured and closed since is never written to again.
        logger_factory=structlog.BytesLoggerFactory()
        if json_lines
        else structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,  # reconfigurable at run time (tests capture logs)
    )
    _route_standard_logging(level, json_lines)
    logging.getLogger("cassandra.protocol").addFilter(_drop_keyspace_advice)


def _route_standard_logging(level: str, json_lines: bool) -> None:
    handler = _StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*_SHARED, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(serializer=_dumps_text)
                if json_lines
                else structlog.dev.ConsoleRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _StdoutHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    # Libraries' warnings and errors only: their INFO lines are chatter (the driver's).
    root.setLevel(max(logging.getLevelName(level), logging.WARNING))
    logging.captureWarnings(True)  # Python's warnings become records too, not stderr text
    sys.excepthook = _log_uncaught if json_lines else sys.__excepthook__


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is when a record comes (pytest swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _log_uncaught(
    kind: type[BaseException], exc: BaseException, traceback: TracebackType | None
) -> None:
    """A crash is one JSON line too (with the traceback in `exception`), not raw text."""
    logging.getLogger("chat_service").critical("uncaught", exc_info=(kind, exc, traceback))


def _drop_keyspace_advice(record: logging.LogRecord) -> bool:
    """Cassandra 5 warns on every prepared statement with an unqualified table name, even
    when the keyspace travels with the statement (protocol v5), which is unambiguous and
    what `infra/cassandra.py` does: that advice is dropped, every other warning kept."""
    return "`USE <keyspace>` with prepared statements" not in record.getMessage()


def _dumps(event: dict[str, object], **_: object) -> bytes:
    return orjson.dumps(event, default=str)


def _dumps_text(event: dict[str, object], **_: object) -> str:
    return orjson.dumps(event, default=str).decode()
