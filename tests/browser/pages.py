"""One person at the web client, in their own browser context, driven by what they see:
roles and accessible names, never CSS classes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, Locator, Page, expect

from tests.conftest import unique_name
from tests.integration.api import PASSWORD

_MESSAGE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")
DESKTOP = {"width": 1200, "height": 800}
PHONE = {"width": 390, "height": 844}
# A page error, or the browser refusing something under the Content-Security-Policy or
# Trusted Types: either means the client is broken for real users.
_POLICY_ERROR = re.compile(r"Content Security Policy|Trusted Type", re.IGNORECASE)


@dataclass
class ChatPage:
    context: BrowserContext
    page: Page
    base_url: str
    username: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    async def open(
        cls,
        browser: Browser,
        base_url: str,
        opened: list[ChatPage],
        *,
        viewport: dict[str, int] | None = None,
        register: bool = True,
        username: str | None = None,
        **context_options: Any,
    ) -> ChatPage:
        context = await browser.new_context(
            viewport=viewport or DESKTOP, base_url=base_url, **context_options
        )
        context.set_default_timeout(10_000)
        person = cls(context, await context.new_page(), base_url)
        opened.append(person)
        person.page.on("pageerror", lambda error: person.errors.append(f"page error: {error}"))
        person.page.on("console", person._console)
        await person.page.goto("/")
        if register:
            await person.register(username or unique_name("w"))
        return person

    @classmethod
    async def pair(
        cls,
        browser: Browser,
        base_url: str,
        opened: list[ChatPage],
        first_message: str,
        *,
        peer_opens: bool = False,
    ) -> tuple[ChatPage, ChatPage]:
        """Two new people; the first starts a direct conversation with the second by
        sending `first_message` (stored), and with `peer_opens` the second opens it."""
        first = await cls.open(browser, base_url, opened)
        second = await cls.open(browser, base_url, opened)
        await first.start_direct(second.username)
        await first.send(first_message)
        if peer_opens:
            await second.open_conversation(first.username)
        return first, second

    def _console(self, message: Any) -> None:
        if message.type == "error" and _POLICY_ERROR.search(message.text):
            self.errors.append(message.text)

    def assert_no_page_errors(self) -> None:
        assert not self.errors, self.errors

    # Logging in.

    async def register(self, username: str, password: str = PASSWORD) -> None:
        await self.page.get_by_label("Username").fill(username)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Create account").click()
        await expect(self.page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
        self.username = username.lower()

    async def log_in(self, username: str, password: str = PASSWORD) -> None:
        await self.page.get_by_label("Username").fill(username)
        await self.page.get_by_label("Password").fill(password)
        await self.page.get_by_role("button", name="Log in").click()
        await expect(self.page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
        self.username = username.lower()

    # What is on screen.

    @property
    def conversations(self) -> Locator:
        return self.page.get_by_role("navigation", name="Conversations")

    def conversation(self, name: str) -> Locator:
        return self.conversations.get_by_role("link", name=re.compile(re.escape(name)))

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log", name="Messages")

    def message(self, text: str) -> Locator:
        return self.log.get_by_role("article").filter(has_text=text)

    @property
    def connection(self) -> Locator:
        return self.page.get_by_role("status")

    async def message_texts(self) -> list[str]:
        """The text of every message in the log, top to bottom."""
        return await self.log.get_by_role("article").locator(".content").all_inner_texts()

    # Doing things.

    async def start_direct(self, username: str) -> None:
        await self.page.get_by_role("button", name="New conversation").click()
        dialog = self.page.get_by_role("dialog", name="New conversation")
        await dialog.get_by_label("Find people").fill(username[:-2])  # a prefix
        await dialog.get_by_role("button", name=f"Message {username}").click()
        await expect(dialog).to_be_hidden()

    async def create_group(self, name: str, members: list[str]) -> None:
        await self.page.get_by_role("button", name="New conversation").click()
        dialog = self.page.get_by_role("dialog", name="New conversation")
        for member in members:
            await dialog.get_by_label("Find people").fill(member)
            await dialog.get_by_role("button", name=f"Add to group: {member}").click()
        await dialog.get_by_label("Group name").fill(name)
        await dialog.get_by_role("button", name="Create group").click()
        await expect(dialog).to_be_hidden()
        await expect(self.page.get_by_role("heading", name=name)).to_be_visible()

    async def open_conversation(self, name: str) -> None:
        await self.conversation(name).click()
        await expect(self.page.get_by_role("heading", name=name)).to_be_visible()

    async def send(self, text: str) -> None:
        """Send, and wait until the service has stored it (the article has its id)."""
        await self.page.get_by_label("Message", exact=True).fill(text)
        await self.page.get_by_label("Message", exact=True).press("Enter")
        await expect(self.message(text)).to_have_attribute("data-id", _MESSAGE_ID)
