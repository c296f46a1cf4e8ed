"""The main screens as people see them: accessibility (axe-core, from npm, run in the
page), a phone-sized screen, and the screenshot the README shows."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.browser.pages import PHONE, ChatPage
from tests.integration.processes import ServiceProcess

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def _readable(name: str) -> str:
    return f"{name}_{uuid.uuid4().hex[:3]}"


async def _axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    assert AXE.exists(), "axe-core is missing: npm install (make test runs it)"
    if not await page.evaluate("() => 'axe' in window"):
        await page.add_script_tag(path=AXE)
    result = await page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


async def test_login_list_conversation_and_dialog_have_no_serious_axe_violations(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage], screenshots: Path
) -> None:
    # axe is injected as a script, which the page's CSP rightly refuses: bypass it here.
    alice = await ChatPage.open(web_browser, service.url, opened, register=False, bypass_csp=True)
    assert await _axe_violations(alice.page) == [], "login screen"
    # Names a person could have, for the screenshot the README shows.
    await alice.register(_readable("alice"))
    bob = await ChatPage.open(web_browser, service.url, opened, username=_readable("bob"))
    carol = await ChatPage.open(web_browser, service.url, opened, username=_readable("carol"))

    await bob.start_direct(alice.username)
    await bob.send("Did you see the forecast for Saturday?")
    await carol.create_group("Weekend hike", [alice.username, bob.username])
    await carol.send("Trail head at 8? I can drive two people.")
    await expect(alice.conversation("Weekend hike")).to_contain_text("1 unread")
    assert await _axe_violations(alice.page) == [], "conversation list"

    await alice.open_conversation("Weekend hike")
    await alice.send("Count me in, I'll bring snacks.")
    await bob.open_conversation("Weekend hike")
    await bob.send("Me too. 8 works.")
    await expect(alice.message("Count me in")).to_contain_text("Seen by")
    assert await _axe_violations(alice.page) == [], "conversation"
    await alice.page.screenshot(path=screenshots / "web-client.png")

    await alice.page.get_by_role("button", name="New conversation").click()
    await alice.page.get_by_label("Find people").fill(bob.username[:5])
    await expect(alice.page.get_by_role("button", name=f"Message {bob.username}")).to_be_visible()
    assert await _axe_violations(alice.page) == [], "new conversation dialog"
    await alice.page.keyboard.press("Escape")
    await expect(alice.page.get_by_role("dialog")).to_be_hidden()


async def test_a_phone_sized_screen_shows_one_pane_at_a_time(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage], screenshots: Path
) -> None:
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "bypass_csp": True}
    dana = await ChatPage.open(web_browser, service.url, opened, **phone)
    eli = await ChatPage.open(web_browser, service.url, opened)
    await eli.start_direct(dana.username)
    await eli.send("Are you on the train yet?")

    await expect(dana.conversation(eli.username)).to_contain_text("1 unread")
    await expect(dana.page.get_by_text("Pick a conversation")).to_be_hidden()
    await dana.conversation(eli.username).click()
    await expect(dana.conversations).to_be_hidden()
    await expect(dana.message("Are you on the train yet?")).to_be_in_viewport()
    await dana.send("Two stops away")
    await expect(eli.message("Two stops away")).to_be_visible()
    await expect(dana.page.get_by_role("button", name="Send")).to_be_in_viewport()
    overflow = "() => document.documentElement.scrollWidth - innerWidth"
    assert await dana.page.evaluate(overflow) <= 0
    await dana.page.screenshot(path=screenshots / "phone-conversation.png")
    assert await _axe_violations(dana.page) == [], "conversation on a phone"

    await dana.page.get_by_role("link", name="Conversations").click()
    await expect(dana.conversation(eli.username)).to_be_in_viewport()
    await expect(dana.log).to_be_hidden()
    await dana.page.screenshot(path=screenshots / "phone-list.png")
    assert await _axe_violations(dana.page) == [], "conversation list on a phone"
