"""A real Prometheus scrapes a real service process; every PromQL expression of the
dashboards and alert rules must parse, and every metric they use must be exported."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from pathlib import Path

import aiohttp
import yaml

from chat_service.infra.settings import Settings
from tests.integration.processes import free_port, services

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
METRIC = re.compile(r"\b([a-z_]+(?:_total|_seconds_bucket|_seconds_count|_bytes)|store_up|up|"
                    r"websocket_connections|http_requests_in_flight)\b")  # fmt: skip


# Counters that only have series once something went wrong.
ONLY_ON_ERRORS = {"cassandra_statement_errors_total"}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana/dashboards/chat-service.json").read_text())
    return [
        target["expr"]
        for panel in dashboard["panels"]
        if panel["datasource"]["type"] == "prometheus"
        for target in panel["targets"]
    ]


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((MONITORING / "prometheus/alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


async def _traffic(base: str) -> None:
    async with aiohttp.ClientSession() as http:
        names = []
        for n in range(2):
            body = {"username": f"prom{n}{free_port()}", "password": "prometheus-pw"}
            await (await http.post(f"{base}/api/v1/auth/register", json=body)).read()
            names.append(body)
        login = await (await http.post(f"{base}/api/v1/auth/login", json=names[0])).json()
        await (
            await http.post(f"{base}/api/v1/auth/login", json={**names[1], "password": "x" * 9})
        ).read()
        headers = {"Authorization": f"Bearer {login['token']}"}
        ws = await http.ws_connect(f"{base}/ws?token={login['token']}")
        for _ in range(3):
            body = {"recipient": names[1]["username"], "content": "scraped"}
            await (
                await http.post(f"{base}/api/v1/messages/send", json=body, headers=headers)
            ).read()
            await (await http.get(f"{base}/api/v1/messages", headers=headers)).read()
        await ws.receive(timeout=5)
        await ws.close()


async def test_dashboards_and_alerts_query_real_metrics(migrated: Settings, tmp_path: Path) -> None:
    binary = shutil.which("prometheus")
    assert binary, "Debian's prometheus package is required (make monitoring-deps)"
    async with services(migrated, 1) as (service,):
        await _traffic(service.url)
        port = free_port()
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(MONITORING / "prometheus/alerts.yml")],
            "scrape_configs": [
                {
                    "job_name": "chat-service",
                    "static_configs": [{"targets": [f"127.0.0.1:{service.port}"]}],
                }
            ],
        }
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
        exported = await _exported(service.url)
        prometheus = subprocess.Popen(  # noqa: ASYNC220 - a server left running, not awaited
            [binary, f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await asyncio.sleep(6)  # a few scrapes
            await _traffic(service.url)
            await asyncio.sleep(3)
            base = f"http://127.0.0.1:{port}"
            dashboards = await _query_all(base, dashboard_expressions(), exported, want_data=True)
            alerts = await _query_all(base, alert_expressions(), exported, want_data=False)
        finally:
            prometheus.terminate()
            prometheus.wait()
    failures = {e: o for e, o in {**dashboards, **alerts}.items() if o != "ok"}
    assert not failures, failures


async def _exported(base: str) -> set[str]:
    """Metric names the service declares in its exposition (with or without samples)."""
    async with aiohttp.ClientSession() as http, http.get(f"{base}/metrics") as response:
        text = await response.text()
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


async def _query_all(
    url: str, exprs: list[str], exported: set[str], want_data: bool
) -> dict[str, str]:
    """ "ok", or why not: the expression does not parse, uses a metric the service does not
    export, or (dashboards) returns nothing although its metrics have samples."""
    outcome: dict[str, str] = {}
    async with aiohttp.ClientSession() as http:
        for expr in exprs:
            async with http.get(f"{url}/api/v1/query", params={"query": expr}) as response:
                body = await response.json()
            if body["status"] != "success":
                outcome[expr] = f"does not parse: {body.get('error')}"
                continue
            names = set(METRIC.findall(expr)) - {"up"}
            missing = [n for n in names if not any(n.startswith(e) for e in exported)]
            if missing:
                outcome[expr] = f"not exported: {missing}"
            elif want_data and not body["data"]["result"] and not names & ONLY_ON_ERRORS:
                outcome[expr] = "no data"
            else:
                outcome[expr] = "ok"
    return outcome
