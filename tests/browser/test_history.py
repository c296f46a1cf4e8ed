"""Reading a long history: older pages load as the reader scrolls up, each message once,
in order, with the messages on screen staying where they are; jumping to a message."""

from __future__ import annotations

import aiohttp
from playwright.async_api import Browser, expect

from tests.browser.pages import ChatPage
from tests.integration.api import new_user, send_dm
from tests.integration.processes import ServiceProcess

COUNT = 300
TEXTS = [f"message number {i:03}" for i in range(1, COUNT + 1)]

# Scroll the log to its top and report where its first message is, before the scroll
# event (and so the load it starts) has run.
_SCROLL_TO_TOP = """log => {
  log.scrollTop = 0;
  const first = log.querySelector('article');
  return [first.dataset.id, first.getBoundingClientRect().top];
}"""
_SCROLL_TO = "(log, top) => { log.scrollTop = top ? 0 : log.scrollHeight; }"
_TOP_OF = "([log, id]) => log.querySelector(`[data-id='${id}']`).getBoundingClientRect().top"


async def _long_conversation(http: aiohttp.ClientSession) -> tuple[str, list[dict[str, str]]]:
    """A reader and 300 messages sent to them, oldest first."""
    reader, _ = await new_user(http, "reader")
    _, writer = await new_user(http, "writer")
    sent = [await send_dm(http, writer, reader, text) for text in TEXTS]
    return reader, sent


async def test_scrolling_back_through_300_messages_loads_each_once_in_order_without_jumps(
    web_browser: Browser,
    service: ServiceProcess,
    http: aiohttp.ClientSession,
    opened: list[ChatPage],
) -> None:
    reader, sent = await _long_conversation(http)
    person = await ChatPage.open(web_browser, service.url, opened, register=False)
    await person.log_in(reader)
    await person.conversation(sent[0]["sender"]).click()
    await expect(person.message(TEXTS[-1])).to_be_in_viewport()
    articles = person.log.get_by_role("article")

    pages = 0
    while await person.log.get_by_text("Beginning of the conversation").count() == 0:
        shown = await articles.count()
        first_id, top_before = await person.log.evaluate(_SCROLL_TO_TOP)
        await expect(articles).not_to_have_count(shown)
        pages += 1
        top_after = await person.page.evaluate(
            _TOP_OF, [await person.log.element_handle(), first_id]
        )
        assert abs(top_after - top_before) < 2, f"page {pages}: jumped {top_after - top_before}px"
        assert pages <= COUNT // 10, "the history never ended"

    assert await person.message_texts() == TEXTS
    assert pages >= 5  # 50 a page: the test really went through pages


async def test_jumping_to_a_message_then_scrolling_both_ways_shows_each_once(
    web_browser: Browser,
    service: ServiceProcess,
    http: aiohttp.ClientSession,
    opened: list[ChatPage],
) -> None:
    reader, sent = await _long_conversation(http)
    target = sent[149]
    person = await ChatPage.open(web_browser, service.url, opened, register=False)
    await person.log_in(reader)
    await person.page.goto(f"/#/c/{target['conversation_id']}/m/{target['id']}")
    await expect(person.message(TEXTS[149])).to_be_in_viewport()
    texts = await person.message_texts()
    assert TEXTS[149] in texts and TEXTS[-1] not in texts
    assert texts == TEXTS[TEXTS.index(texts[0]) : TEXTS.index(texts[0]) + len(texts)]

    # Down to the newest, then up to the oldest.
    for to_top, done in ((False, TEXTS[-1]), (True, TEXTS[0])):
        while await person.message(done).count() == 0:
            shown = await person.log.get_by_role("article").count()
            await person.log.evaluate(_SCROLL_TO, to_top)
            await expect(person.log.get_by_role("article")).not_to_have_count(shown)
    assert await person.message_texts() == TEXTS
