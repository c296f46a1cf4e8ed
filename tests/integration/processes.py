"""Real `chat-service serve` processes for tests that need several of them."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from chat_service.infra.settings import Settings
from tools.waiting import http_ready


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class ServiceProcess:
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def service_environment(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "test",
        "CASSANDRA_CONTACT_POINTS": ",".join(settings.cassandra_contact_points),
        "CASSANDRA_PORT": str(settings.cassandra_port),
        "CASSANDRA_KEYSPACE": settings.cassandra_keyspace,
        "REDIS_URL": settings.redis_url,
        "BCRYPT_COST": "4",
        "LOG_LEVEL": "WARNING",
        "SEND_LIMIT_PER_MINUTE": str(settings.send_limit_per_minute),
        "SEND_LIMIT_PER_DAY": str(settings.send_limit_per_day),
        "EMAIL_REQUESTS_PER_ACCOUNT_PER_HOUR": str(settings.email_requests_per_account_per_hour),
        "EMAIL_REQUESTS_PER_ADDRESS_PER_HOUR": str(settings.email_requests_per_address_per_hour),
        **extra,
    }


async def start_service(
    settings: Settings,
    port: int | None = None,
    arguments: Sequence[str] = (),
    ready_within: float = 60,
    **extra: str,
) -> ServiceProcess:
    port = port or free_port()
    log = Path(tempfile.mkdtemp(prefix="service-")) / f"{port}.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "chat_service", "serve",
            "--host", "127.0.0.1", "--port", str(port), *arguments,
            env=service_environment(settings, **extra),
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    service = ServiceProcess(port, process, log)
    await wait_healthy(service, ready_within)
    return service


async def wait_healthy(service: ServiceProcess, within: float = 60) -> None:
    def alive() -> None:
        if service.process.returncode is not None:
            tail = service.log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"service on :{service.port} exited:\n{tail}")

    await http_ready(service.url, within, alive)


async def stop_service(service: ServiceProcess) -> None:
    if service.process.returncode is None:
        service.process.terminate()
        await service.process.wait()


@asynccontextmanager
async def services(
    settings: Settings, count: int, **extra: str
) -> AsyncIterator[list[ServiceProcess]]:
    started = await asyncio.gather(*(start_service(settings, **extra) for _ in range(count)))
    try:
        yield list(started)
    finally:
        await asyncio.gather(*(stop_service(s) for s in started))
