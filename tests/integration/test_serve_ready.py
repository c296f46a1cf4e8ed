"""`chat-service serve` says once, in one line, that it is ready: where, with how many
workers, and which versions."""

from __future__ import annotations

import asyncio
import json
import platform
from importlib.metadata import version

from chat_service.infra.settings import Settings
from tests.integration.processes import ServiceProcess, start_service, stop_service


async def _ready_lines(service: ServiceProcess, expected: int = 1) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = []
    for _ in range(100):  # a second worker may still be starting when the first answers
        lines = [
            json.loads(line)
            for line in service.log.read_text().splitlines()
            if '"serve.ready"' in line
        ]
        if len(lines) >= expected:
            break
        await asyncio.sleep(0.1)
    return lines


async def test_one_process_logs_one_ready_line(migrated: Settings) -> None:
    service = await start_service(migrated, LOG_LEVEL="INFO", LOG_FORMAT="json")
    try:
        lines = await _ready_lines(service)
    finally:
        await stop_service(service)
    assert len(lines) == 1
    assert lines[0]["address"] == f"http://127.0.0.1:{service.port}"
    assert lines[0]["workers"] == 1
    assert lines[0]["version"] == version("chat-service")
    assert lines[0]["python"] == platform.python_version()
    assert lines[0]["aiohttp"] == version("aiohttp")
    assert lines[0]["cassandra_driver"] == version("cassandra-driver")


async def test_workers_log_one_ready_line_once_all_listen(migrated: Settings) -> None:
    service = await start_service(
        migrated, arguments=["--workers", "2"], LOG_LEVEL="INFO", LOG_FORMAT="json"
    )
    try:
        lines = await _ready_lines(service)
    finally:
        await stop_service(service)
    assert len(lines) == 1
    assert lines[0]["workers"] == 2
    assert lines[0]["address"] == f"http://127.0.0.1:{service.port}"
