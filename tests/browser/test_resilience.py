"""Honest about the network: the service restarted mid-conversation, a send while it is
down, an answer lost on the way back, tokens renewed before they expire."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Request, Route, WebSocketRoute, expect

from chat_service.infra.settings import Settings
from tests.browser.pages import ChatPage
from tests.conftest import unique_name
from tests.integration.api import bearer, login
from tests.integration.processes import ServiceProcess, start_service, stop_service

SLOW = 30_000  # reconnection backs off up to 15 s


@pytest.fixture
async def own_service(migrated: Settings) -> AsyncIterator[ServiceProcess]:
    """A service process of this test's own, which it may stop and start again."""
    process = await start_service(migrated)
    yield process
    await stop_service(process)


async def _restart(service: ServiceProcess, settings: Settings) -> ServiceProcess:
    await stop_service(service)
    return await start_service(settings, port=service.port)


async def _stored(url: str, person: ChatPage, conversation_id: str) -> list[str]:
    """What the service holds for the conversation, oldest first."""
    async with aiohttp.ClientSession(base_url=url) as http:
        tokens = await login(http, person.username)
        response = await http.get(
            f"/api/v1/conversations/{conversation_id}/messages?limit=100",
            headers=bearer(tokens["token"]),
        )
        page = await response.json()
    return [m["content"] for m in reversed(page["messages"])]


def _conversation_id(person: ChatPage) -> str:
    match = re.search(r"#/c/([0-9a-f-]{36})", person.page.url)
    assert match, person.page.url
    return match.group(1)


async def test_after_a_restart_the_client_reconnects_and_catches_up_exactly(
    web_browser: Browser, own_service: ServiceProcess, migrated: Settings, opened: list[ChatPage]
) -> None:
    alice, bob = await ChatPage.pair(
        web_browser, own_service.url, opened, "before the restart", peer_opens=True
    )
    await expect(bob.message("before the restart")).to_be_visible()

    # The service goes away; Bob's network too, so that what follows can only reach him
    # by catching up.
    await stop_service(own_service)
    await expect(bob.connection).to_have_text(re.compile("Offline"))
    await bob.context.set_offline(True)
    restarted = await start_service(migrated, port=own_service.port)
    try:
        await expect(alice.connection).to_have_text("Connected", timeout=SLOW)
        missed = [f"while Bob was away {i}" for i in range(1, 4)]
        for text in missed:
            await alice.send(text)
        await bob.context.set_offline(False)
        await expect(bob.connection).to_have_text("Connected", timeout=SLOW)
        await expect(bob.message(missed[-1])).to_be_visible()
        await alice.send("after the reconnection")
        await expect(bob.message("after the reconnection")).to_be_visible()

        expected = ["before the restart", *missed, "after the reconnection"]
        assert await bob.message_texts() == expected
        assert await alice.message_texts() == expected
        assert await _stored(restarted.url, bob, _conversation_id(bob)) == expected
    finally:
        await stop_service(restarted)


async def test_a_send_while_the_service_is_down_fails_and_its_retry_stores_it_once(
    web_browser: Browser,
    own_service: ServiceProcess,
    migrated: Settings,
    opened: list[ChatPage],
    screenshots: Path,
) -> None:
    alice, bob = await ChatPage.pair(
        web_browser, own_service.url, opened, "first, while all is well"
    )
    sends: list[str] = []

    def record(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/messages"):
            sends.append(json.loads(request.post_data or "{}")["client_message_id"])

    alice.page.on("request", record)
    await stop_service(own_service)
    composer = alice.page.get_by_label("Message", exact=True)
    await composer.fill("sent into the void")
    await composer.press("Enter")
    failed = alice.message("sent into the void")
    await expect(failed).to_contain_text("Not sent")
    await expect(alice.connection).to_have_text(re.compile("Offline"))
    await alice.page.screenshot(path=screenshots / "failed-send.png")

    restarted = await start_service(migrated, port=own_service.port)
    try:
        # Reloading loses nothing: the failed send is still there, with its id.
        await alice.page.reload()
        await expect(failed).to_contain_text("Not sent")
        await failed.get_by_role("button", name="Retry").click()
        await expect(failed).not_to_contain_text("Not sent")
        await expect(bob.conversation(alice.username)).to_contain_text("sent into the void")
        assert len(sends) == 2 and sends[0] == sends[1]  # one client_message_id, reused
        stored = await _stored(restarted.url, alice, _conversation_id(alice))
        assert stored == ["first, while all is well", "sent into the void"]
        await expect(failed).to_have_count(1)
    finally:
        await stop_service(restarted)


async def test_a_retry_after_a_lost_answer_does_not_duplicate_the_message(
    web_browser: Browser, own_service: ServiceProcess, opened: list[ChatPage]
) -> None:
    alice, bob = await ChatPage.pair(web_browser, own_service.url, opened, "hello")

    # Alice's live connection hears nothing from here on, so only her retry can tell her
    # the message arrived; the first answer is dropped after the service stored it.
    async def deaf(ws: WebSocketRoute) -> None:
        ws.connect_to_server().on_message(lambda message: None)

    lost: list[str] = []

    async def lose_answer(route: Route) -> None:
        if route.request.method != "POST" or lost:
            await route.continue_()
            return
        answer = await route.fetch()
        lost.append(await answer.text())
        await route.abort("connectionreset")

    await alice.page.route_web_socket(re.compile(r"/ws"), deaf)
    await alice.page.reload()
    await expect(alice.connection).to_have_text("Connected")
    await alice.page.route("**/conversations/*/messages", lose_answer)
    composer = alice.page.get_by_label("Message", exact=True)
    await composer.fill("is this a duplicate?")
    await composer.press("Enter")
    message = alice.message("is this a duplicate?")
    await expect(message).to_contain_text("Not sent")
    await message.get_by_role("button", name="Retry").click()
    await expect(message).not_to_contain_text("Not sent")

    await expect(message).to_have_count(1)
    first_answer = json.loads(lost[0])  # what the service stored on the first try
    await expect(message).to_have_attribute("data-id", first_answer["id"])
    await expect(bob.conversation(alice.username)).to_contain_text("is this a duplicate?")
    stored = await _stored(own_service.url, alice, _conversation_id(alice))
    assert stored == ["hello", "is this a duplicate?"]


async def test_the_session_survives_reloads_and_renews_before_the_token_expires(
    web_browser: Browser, own_service: ServiceProcess, opened: list[ChatPage]
) -> None:
    person = await ChatPage.open(web_browser, own_service.url, opened, register=False)
    await person.page.clock.install()
    await person.page.reload()
    await person.register(unique_name("renew"))
    stored = "() => JSON.parse(localStorage.getItem('chat.session'))"
    before = await person.page.evaluate(stored)

    # The laptop's lid closed for a day: on waking, the renewal timer fires (once).
    await person.page.clock.fast_forward("24:00:00")
    await person.page.wait_for_function(
        "old => JSON.parse(localStorage.getItem('chat.session')).refresh !== old",
        arg=before["refresh"],
        polling=100,
        timeout=SLOW,
    )
    after = await person.page.evaluate(stored)
    assert after["expiresAt"] > before["expiresAt"]

    await person.page.reload()
    await expect(person.page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
    await person.page.get_by_role("button", name="Log out", exact=True).click()
    await expect(person.page.get_by_role("button", name="Log in")).to_be_visible()
    await person.page.reload()
    await expect(person.page.get_by_label("Username")).to_be_visible()
    assert await person.page.evaluate(stored) is None
