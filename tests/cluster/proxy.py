"""Three `chat-service serve` replicas behind Debian's nginx running the Compose stack's
config (tools/nginx_proxy.py): what tests/cluster drives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chat_service.infra.settings import Settings
from tests.integration.processes import ServiceProcess, free_port, services
from tools import nginx_proxy
from tools.waiting import http_ready


@dataclass(frozen=True)
class ProxiedReplicas:
    url: str  # nginx's
    replicas: list[ServiceProcess]
    access_log: Path

    def address(self, replica: ServiceProcess) -> str:
        return f"127.0.0.1:{replica.port}"

    def log_lines(self) -> list[dict[str, Any]]:
        if not self.access_log.exists():
            return []
        return [json.loads(line) for line in self.access_log.read_text().splitlines()]


@asynccontextmanager
async def behind_nginx(
    settings: Settings, directory: Path, count: int = 3, **extra: str
) -> AsyncIterator[ProxiedReplicas]:
    async with services(settings, count, **extra) as replicas:
        port = free_port()
        config = nginx_proxy.write_config(
            directory, [f"127.0.0.1:{r.port}" for r in replicas], f"127.0.0.1:{port}"
        )
        nginx = await asyncio.create_subprocess_exec(*nginx_proxy.command(config))

        def alive() -> None:
            if nginx.returncode is not None:
                raise RuntimeError((directory / "error.log").read_text())

        try:
            url = f"http://127.0.0.1:{port}"
            await http_ready(url, 30, alive)
            yield ProxiedReplicas(url, list(replicas), directory / "access.log")
        finally:
            nginx.terminate()
            await nginx.wait()
