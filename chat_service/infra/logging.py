"""structlog set-up: one JSON object per line on stdout (for Loki), or coloured console lines."""

from __future__ import annotations

import logging
import sys

import orjson
import structlog


def configure_logging(level: str, fmt: str) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    renderer: structlog.types.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer(serializer=_dumps)
    else:
        renderer = structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.BytesLoggerFactory(sys.stdout.buffer)
        if fmt == "json"
        else structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,  # reconfigurable at run time (tests capture logs)
    )
    # Libraries log through the standard library; keep their warnings, in the same stream.
    logging.basicConfig(level=max(logging.getLevelName(level), logging.WARNING), stream=sys.stdout)
    logging.getLogger("cassandra.protocol").addFilter(_drop_keyspace_advice)


def _drop_keyspace_advice(record: logging.LogRecord) -> bool:
    """Cassandra 5 warns on every prepared statement with an unqualified table name, even
    when the keyspace travels with the statement (protocol v5), which is unambiguous and
    what `infra/cassandra.py` does: that advice is dropped, every other warning kept."""
    return "`USE <keyspace>` with prepared statements" not in record.getMessage()


def _dumps(event: dict[str, object], **_: object) -> bytes:
    return orjson.dumps(event, default=str)
