"""Typing and presence in the web client: "… is typing" and the peer's online dot."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.browser.pages import ChatPage
from tests.integration.processes import ServiceProcess


async def test_typing_shows_under_the_conversation_and_the_peer_is_online(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage], screenshots: Path
) -> None:
    alice, bob = await ChatPage.pair(web_browser, service.url, opened, "Hi Bob", peer_opens=True)
    dot = bob.page.get_by_role("img", name="Online")
    await expect(dot).to_be_visible()

    await alice.page.get_by_label("Message", exact=True).press_sequentially("Are you the")
    typing = bob.page.get_by_text(f"{alice.username} is typing…")
    await expect(typing).to_be_visible()
    await bob.page.screenshot(path=screenshots / "typing-and-online.png")
    await alice.page.get_by_label("Message", exact=True).press("Enter")
    await expect(bob.message("Are you the")).to_be_visible()
    await expect(typing).to_be_hidden()  # sending ended the typing
    for person in (alice, bob):
        person.assert_no_page_errors()
