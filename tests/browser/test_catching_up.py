"""Catching up in the browser: edits and deletes made while a client was away reach it
through `/sync` when it reconnects (paging with `after=` would bring only new messages)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from chat_service.infra.settings import Settings
from tests.browser.pages import ChatPage
from tests.integration.api import bearer, login
from tests.integration.processes import ServiceProcess, start_service, stop_service

SLOW = 30_000  # reconnection backs off up to 15 s


@pytest.fixture
async def own_service(migrated: Settings) -> AsyncIterator[ServiceProcess]:
    process = await start_service(migrated)
    yield process
    await stop_service(process)


async def test_edits_and_deletes_made_while_away_are_applied_on_return(
    web_browser: Browser, own_service: ServiceProcess, migrated: Settings, opened: list[ChatPage]
) -> None:
    alice, bob = await ChatPage.pair(web_browser, own_service.url, opened, "to be edited")
    await alice.send("to be deleted")
    await bob.open_conversation(alice.username)
    await expect(bob.message("to be deleted")).to_be_visible()

    await stop_service(own_service)
    await expect(bob.connection).to_have_text(re.compile("Offline"))
    await bob.context.set_offline(True)
    restarted = await start_service(migrated, port=own_service.port)
    try:
        async with aiohttp.ClientSession(base_url=restarted.url) as http:
            token = (await login(http, alice.username))["token"]  # type: ignore[arg-type]
            response = await http.get("/api/v1/conversations", headers=bearer(token))
            (conversation,) = (await response.json())["conversations"]
            path = f"/api/v1/conversations/{conversation['id']}/messages"
            page = await (await http.get(path, headers=bearer(token))).json()
            ids = {m["content"]: m["id"] for m in page["messages"]}
            edited = await http.patch(
                f"{path}/{ids['to be edited']}", json={"content": "edited meanwhile"},
                headers=bearer(token),
            )  # fmt: skip
            assert edited.status == 200
            deleted = await http.delete(f"{path}/{ids['to be deleted']}", headers=bearer(token))
            assert deleted.status == 204
        await bob.context.set_offline(False)
        await expect(bob.connection).to_have_text("Connected", timeout=SLOW)
        await expect(bob.message("edited meanwhile")).to_be_visible(timeout=SLOW)
        await expect(bob.log).to_contain_text("Message deleted")
        await expect(bob.message("to be deleted")).to_have_count(0)
    finally:
        await stop_service(restarted)
