"""Searching in the web client: a conversation's results, a result opening the history
around its message (even one far older than the newest page), and all of one's direct
messages."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from playwright.async_api import Browser, expect

from tests.browser.pages import ChatPage
from tests.integration.api import new_user, send_dm
from tests.integration.processes import ServiceProcess

TARGET = "Deploying the app on Friday, notes in q3_report.pdf"


async def test_a_search_result_opens_the_history_around_its_message(
    web_browser: Browser,
    service: ServiceProcess,
    http: aiohttp.ClientSession,
    opened: list[ChatPage],
    screenshots: Path,
) -> None:
    reader, _ = await new_user(http, "finder")
    writer, writer_h = await new_user(http, "teller")
    _, other_h = await new_user(http, "other")
    await send_dm(http, other_h, reader, "Deploy checklist from someone else")
    await send_dm(http, writer_h, reader, "We deploy on Mondays usually")
    await send_dm(http, writer_h, reader, TARGET)
    for n in range(80):  # the target is far from the newest page
        await send_dm(http, writer_h, reader, f"filler message {n}")
    person = await ChatPage.open(web_browser, service.url, opened, register=False)
    await person.log_in(reader)
    await person.conversation(writer).click()
    await expect(person.message("filler message 79")).to_be_in_viewport()
    await expect(person.message(TARGET)).to_have_count(0)

    await person.page.get_by_role("button", name="Search messages").click()
    await person.page.get_by_label("Search this conversation").fill("DEPLOY")
    await person.page.get_by_label("Search this conversation").press("Enter")
    results = person.page.get_by_role("list", name="Search results").get_by_role("link")
    await expect(results).to_have_count(2)
    await expect(results.first).to_contain_text(TARGET)  # newest first
    await expect(results.nth(1)).to_contain_text("We deploy on Mondays")
    await person.page.screenshot(path=screenshots / "search.png")

    await results.first.click()
    await expect(person.message(TARGET)).to_be_in_viewport()
    await expect(results).to_have_count(2)  # the results stay while the conversation is open

    await person.page.get_by_label("Search this conversation").fill("report")
    await person.page.get_by_label("Search this conversation").press("Enter")
    await expect(results).to_have_count(1)
    await person.page.get_by_label("Search this conversation").fill("nothing_like_this")
    await person.page.get_by_label("Search this conversation").press("Enter")
    await expect(person.page.get_by_text("No messages found.")).to_be_visible()

    await person.page.get_by_label("Search this conversation").fill("deploy")
    await person.page.get_by_label("In all my direct messages").check()
    await expect(results).to_have_count(3)
    await results.filter(has_text="Deploy checklist").click()  # another conversation
    await expect(person.message("Deploy checklist from someone else")).to_be_in_viewport()
