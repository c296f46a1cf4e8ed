"""Browser tests: Debian's Chromium driven by Playwright (async API, so it shares the
suite's session event loop) against a real `chat-service serve` process over the real
Cassandra and Redis.

pytest-playwright's own fixtures are synchronous and would run their own event loop
beside pytest-asyncio's, so these fixtures launch the browser themselves; the plugin's
options still apply (`--headed`, `--slowmo`, `--output` for the screenshots).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, async_playwright

from chat_service.infra.settings import Settings
from tests.browser.pages import ChatPage
from tests.integration.processes import ServiceProcess, start_service, stop_service


def chromium_path() -> str:
    """The system Chromium (`tools/ensure-packages.sh` installs Debian's `chromium`);
    Playwright's own browser download cannot work without the outside network."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    assert path, "Chromium is missing: run tools/ensure-packages.sh (make setup) as root"
    return path


@pytest.fixture(scope="session")
async def web_browser(pytestconfig: pytest.Config) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=not pytestconfig.getoption("headed"),
            slow_mo=pytestconfig.getoption("slowmo"),
        )
        yield browser
        await browser.close()


@pytest.fixture(scope="session")
async def service(migrated: Settings) -> AsyncIterator[ServiceProcess]:
    """One service process for the browser tests that do not stop it."""
    process = await start_service(migrated)
    yield process
    await stop_service(process)


@pytest.fixture(scope="session")
def screenshots(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: pytest-playwright's `--output` when given, else a temp dir."""
    given = pytestconfig.getoption("output")
    folder = Path(given) if given and given != "test-results" else tmp_path_factory.mktemp("shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def http(service: ServiceProcess) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client on the service, for setting scenes and checking what is stored."""
    async with aiohttp.ClientSession(base_url=service.url) as session:
        yield session


@pytest.fixture
async def opened() -> AsyncIterator[list[ChatPage]]:
    """The people a test opened with `ChatPage.open`: closed after it, and none of them may
    have seen a page error or a policy violation."""
    pages: list[ChatPage] = []
    yield pages
    for person in pages:
        await person.context.close()
    for person in pages:
        person.assert_no_page_errors()
