"""API fuzzing: schemathesis generates requests from /api/v1/openapi.json and sends them,
authenticated, to a real service process. No 5xx, and every response matches the spec.

Run by `make fuzz` (and CI), with a bounded number of examples per operation.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

from chat_service.infra.settings import Settings
from tests.integration.processes import services

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = 50
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


async def _token(base: str) -> str:
    body = {"username": f"fz{uuid.uuid4().hex[:10]}", "password": "fuzzing-password"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base}/api/v1/auth/register", json=body) as response:
            assert response.status == 201
        async with http.post(f"{base}/api/v1/auth/login", json=body) as response:
            return (await response.json())["token"]


async def test_schemathesis_finds_no_server_errors_or_spec_mismatches(
    migrated: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with services(migrated, 1) as (service,):
        token = await _token(service.url)
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "run",
            f"{service.url}/api/v1/openapi.json",
            "--url", service.url,
            "-H", f"Authorization: Bearer {token}",
            "--max-examples", str(MAX_EXAMPLES),
            "--checks", CHECKS,
            "--exclude-path", "/ws",
            "--exclude-path", "/metrics",
            # It would end the fuzzing token's session: every later call would get 401.
            "--exclude-path", "/api/v1/auth/logout-all",
            "--seed", "1",
            "--generation-database", "none",
            "--report", "junit", "--report-dir", str(tmp_path),
        ]  # fmt: skip
        result = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, timeout=900
        )
    with capsys.disabled():
        print("\n" + "\n".join(result.stdout.splitlines()[-25:]), flush=True)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
