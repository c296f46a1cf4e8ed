"""The Compose stack's nginx (deploy/nginx/nginx.conf), run for real with Debian's nginx in
front of the service: the upstream named through a variable, /metrics not proxied, no
query string (no `?token=`) in its access log."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.integration.processes import free_port
from tests.packaging.image import ROOT

CONFIG = (ROOT / "deploy/nginx/nginx.conf").read_text()
UPSTREAM = "http://chat-app:8000"


def _nginx() -> str:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "Debian's nginx is required (tools/ensure-packages.sh)"
    return binary


def _local_config(directory: Path, upstream_port: int, port: int) -> Path:
    """The config with only the addresses replaced: the replicas' alias by the test's
    service, the listening port by a free one, the log by a file here."""
    assert f"set $chat_service {UPSTREAM};" in CONFIG
    local = (
        CONFIG.replace(UPSTREAM, f"http://127.0.0.1:{upstream_port}")
        .replace("listen 8000;", f"listen 127.0.0.1:{port};")
        .replace("/var/log/nginx/access.log", str(directory / "access.log"))
    )
    path = directory / "nginx.conf"
    path.write_text(local)
    return path


def test_nginx_resolves_at_request_time_and_accepts_its_config(tmp_path: Path) -> None:
    assert re.search(r"^\s*resolver 127\.0\.0\.11 valid=\d+s", CONFIG, re.MULTILINE)
    assert not re.search(
        r"^\s*upstream ", CONFIG, re.MULTILINE
    )  # an upstream block resolves its names once, at start
    assert CONFIG.count("proxy_pass $chat_service;") == 2
    assert "proxy_set_header Upgrade $http_upgrade;" in CONFIG
    assert "proxy_read_timeout 3600s;" in CONFIG
    for variable in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer"):
        assert variable not in CONFIG, f"{variable.strip()} would log query strings"
    result = subprocess.run(
        [_nginx(), "-t", "-c", str(_local_config(tmp_path, 9, free_port())),
         "-e", str(tmp_path / "error.log"), "-g", f"pid {tmp_path / 'nginx.pid'};"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.fixture
async def proxied(client: TestClient, tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    port = free_port()
    config = _local_config(tmp_path, client.server.port, port)
    process = await asyncio.create_subprocess_exec(
        _nginx(), "-c", str(config), "-e", str(tmp_path / "error.log"),
        "-g", f"pid {tmp_path / 'nginx.pid'}; daemon off;",
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                try:
                    async with session.get(f"{url}/api/v1/health"):
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
        yield url, tmp_path / "access.log"
    finally:
        process.terminate()
        await process.wait()


async def test_nginx_proxies_the_api_but_not_metrics_and_logs_no_token(
    proxied: tuple[str, Path],
) -> None:
    url, access_log = proxied
    token = "eyJhbGciOiJIUzI1NiJ9.not-a-real-token.but-secret"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/api/v1/health") as response:
            assert response.status == 200
            assert (await response.json())["checks"]
        async with session.get(f"{url}/metrics") as response:
            assert response.status == 404
            assert (await response.json())["error"]["code"] == "not_found"
        async with session.get(f"{url}/ws", params={"token": token}) as response:
            assert response.status == 401  # proxied: the service refused the token
    lines = [json.loads(line) for line in access_log.read_text().splitlines()]
    assert [(line["path"], line["status"]) for line in lines[-3:]] == [
        ("/api/v1/health", 200), ("/metrics", 404), ("/ws", 401),
    ]  # fmt: skip
    assert token not in access_log.read_text() and "token=" not in access_log.read_text()
