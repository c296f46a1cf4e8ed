"""Reactions and pins in the web client: a reaction added from the quick emoji shows with
its count and pressed state, reaches the other member live, toggles off; an admin pins a
message and everyone sees the marker; the screen passes axe."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.browser.pages import ChatPage
from tests.browser.test_screens import _axe_violations
from tests.integration.processes import ServiceProcess


async def test_reacting_toggling_and_pinning_show_for_everyone(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage], screenshots: Path
) -> None:
    ann = await ChatPage.open(web_browser, service.url, opened, bypass_csp=True)
    bob = await ChatPage.open(web_browser, service.url, opened)
    await ann.create_group("Reactions", [bob.username])
    await ann.send("Shipping the release today")
    await bob.open_conversation("Reactions")
    message_for_bob = bob.message("Shipping the release")
    await expect(message_for_bob).to_be_visible()

    # Bob reacts with a quick emoji: pressed for him, counted for Ann (live).
    await message_for_bob.get_by_role("button", name="React").click()
    await message_for_bob.get_by_role("button", name="React with 🎉").click()
    mine = message_for_bob.get_by_role("button", name="🎉 1, you reacted")
    await expect(mine).to_have_attribute("aria-pressed", "true")
    message_for_ann = ann.message("Shipping the release")
    theirs = message_for_ann.get_by_role("button", name="🎉 1", exact=True)
    await expect(theirs).to_have_attribute("aria-pressed", "false")

    # Ann adds hers by pressing the same reaction: 2, pressed for her, not for Bob.
    await theirs.click()
    await expect(message_for_ann.get_by_role("button", name="🎉 2, you reacted")).to_be_visible()
    await expect(message_for_bob.get_by_role("button", name="🎉 2, you reacted")).to_be_visible()

    # Ann (the group's admin) pins it; Bob, a member, is offered no Pin.
    await message_for_ann.get_by_role("button", name="Pin", exact=True).click()
    await expect(message_for_ann.get_by_text("Pinned")).to_be_visible()
    await expect(message_for_bob.get_by_text("Pinned")).to_be_visible()
    await expect(message_for_bob.get_by_role("button", name="Pin", exact=True)).to_have_count(0)
    assert await _axe_violations(ann.page) == [], "reactions and pins"
    await ann.page.screenshot(path=screenshots / "reactions-and-pins.png")
    await bob.page.get_by_role("button", name="Pins").click()
    pins = bob.page.get_by_role("dialog", name="Pinned messages")
    await expect(pins.get_by_role("link", name="Shipping the release")).to_be_visible()
    await pins.get_by_role("button", name="Close").click()

    # Bob takes his back: 1 left, Ann's; after a reload the server says the same.
    await message_for_bob.get_by_role("button", name="🎉 2, you reacted").click()
    await expect(message_for_bob.get_by_role("button", name="🎉 1", exact=True)).to_be_visible()
    await expect(message_for_ann.get_by_role("button", name="🎉 1, you reacted")).to_be_visible()
    await bob.page.reload()
    await bob.open_conversation("Reactions")
    again = bob.message("Shipping the release")
    await expect(again.get_by_role("button", name="🎉 1", exact=True)).to_be_visible()
    await expect(again.get_by_text("Pinned")).to_be_visible()
