"""The Compose stack's nginx (deploy/nginx/nginx.conf), run for real with Debian's nginx in
front of the service: the upstream re-resolved with passive health checks, /metrics not
proxied, no query string (no `?token=`) in its access log. tests/cluster puts three
replicas behind it."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from tests.integration.processes import free_port
from tests.packaging.image import ROOT
from tools import nginx_proxy

CONFIG = (ROOT / "deploy/nginx/nginx.conf").read_text()


def test_nginx_resolves_at_request_time_and_accepts_its_config(tmp_path: Path) -> None:
    assert re.search(r"^\s*resolver 127\.0\.0\.11 valid=\d+s", CONFIG, re.MULTILINE)
    # The upstream looks its name up again (`resolve`, in a shared zone), and marks a
    # replica that fails as down for a while (passive health checks).
    assert re.search(r"^\s*zone chat_service \d+k;", CONFIG, re.MULTILINE)
    assert re.search(
        r"^\s*server chat-app:8000 resolve max_fails=\d+ fail_timeout=\d+s;", CONFIG, re.MULTILINE
    )
    assert CONFIG.count("proxy_pass http://chat_service;") == 2
    assert "proxy_set_header Upgrade $http_upgrade;" in CONFIG
    assert "proxy_read_timeout 3600s;" in CONFIG
    assert "non_idempotent" not in CONFIG  # a POST already sent is never sent twice
    for variable in ("$request ", "$request_uri", "$args", "$query_string", "$http_referer"):
        assert variable not in CONFIG, f"{variable.strip()} would log query strings"
    config = nginx_proxy.write_config(tmp_path, ["127.0.0.1:9", "127.0.0.1:10"], "127.0.0.1:1")
    changed = set(config.read_text().splitlines()) - set(CONFIG.splitlines())
    assert sorted(line.strip() for line in changed) == [
        f"access_log {tmp_path / 'access.log'} chat;",
        "listen 127.0.0.1:1;",
        "server 127.0.0.1:10 max_fails=2 fail_timeout=5s;",
        "server 127.0.0.1:9 max_fails=2 fail_timeout=5s;",
    ]  # only the addresses differ from the Compose stack's file
    result = nginx_proxy.check(config)
    assert result.returncode == 0, result.stderr


@pytest.fixture
async def proxied(client: TestClient, tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    port = free_port()
    config = nginx_proxy.write_config(
        tmp_path, [f"127.0.0.1:{client.server.port}"], f"127.0.0.1:{port}"
    )
    process = await asyncio.create_subprocess_exec(*nginx_proxy.command(config))
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
