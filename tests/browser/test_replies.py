"""Replies, mentions and edit history in two people's browsers, everything arriving live."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.browser.pages import ChatPage
from tests.integration.processes import ServiceProcess


async def test_reply_mention_edit_history_and_deleted_quote(
    web_browser: Browser, service: ServiceProcess, opened: list[ChatPage], screenshots: Path
) -> None:
    alice = await ChatPage.open(web_browser, service.url, opened)
    bob = await ChatPage.open(web_browser, service.url, opened)

    await alice.start_direct(bob.username)
    question = f"Hi @{bob.username}, lunch today?"
    await alice.send(question)
    await expect(bob.conversation(alice.username)).to_contain_text("1 mention")
    await bob.page.screenshot(path=screenshots / "mention-badge.png")

    await bob.open_conversation(alice.username)
    asked = bob.message("lunch today?")
    await expect(asked.locator(".mention")).to_have_text(f"@{bob.username}")
    await expect(bob.conversation(alice.username)).not_to_contain_text("mention")
    await asked.get_by_role("button", name="Reply").click()
    await expect(bob.page.get_by_text(f"Replying to {alice.username}")).to_be_visible()
    await bob.send("Sure, noon works")
    reply = bob.message("Sure, noon works")
    await expect(reply.get_by_role("link", name=f"{alice.username} {question}")).to_be_visible()
    await expect(bob.page.get_by_text(f"Replying to {alice.username}")).to_be_hidden()
    await bob.page.screenshot(path=screenshots / "reply.png")

    # Alice sees the reply live, then edits her question: the quote follows, for both.
    await expect(alice.message("Sure, noon works")).to_contain_text("lunch today?")
    mine = alice.message("lunch today?").first
    await mine.get_by_role("button", name="Edit message").click()
    await alice.page.get_by_label("Edit message", exact=True).fill("Dinner instead?")
    await alice.page.get_by_role("button", name="Save").click()
    for person in (alice, bob):
        await expect(person.message("Sure, noon works")).to_contain_text("Dinner instead?")

    # "edited" opens the message's edit history: both texts, oldest first.
    await alice.message("Dinner instead?").first.get_by_role("button", name="Edit history").click()
    dialog = alice.page.get_by_role("dialog", name="Edit history")
    await expect(dialog.get_by_role("listitem")).to_have_count(2)
    await expect(dialog.get_by_role("listitem").first).to_contain_text("lunch today?")
    await expect(dialog.get_by_role("listitem").last).to_contain_text("Dinner instead?")
    await alice.page.screenshot(path=screenshots / "edit-history.png")
    await dialog.press("Escape")
    await expect(dialog).to_be_hidden()

    # Deleted: the reply keeps its place and says what it quoted is gone.
    await (
        alice.message("Dinner instead?").first.get_by_role("button", name="Delete message").click()
    )
    await alice.page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    for person in (alice, bob):
        quote = person.message("Sure, noon works").locator(".quote")
        await expect(quote).to_contain_text("Deleted message")
        await expect(quote).not_to_contain_text("Dinner")
