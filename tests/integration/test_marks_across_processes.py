"""Two real service processes: a reaction or pin made through one shows on the next reads
of the other, which had remembered the page's marks (it hears the change on the bus)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from chat_service.infra.settings import Settings
from tests.conftest import unique_name
from tests.integration.processes import ServiceProcess, services

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
async def pair(migrated: Settings) -> AsyncIterator[list[ServiceProcess]]:
    async with services(migrated, 2) as started:
        yield started


async def _call(http: aiohttp.ClientSession, method: str, url: str, token: str = "", **body: Any):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.request(method, url, json=body or None, headers=headers) as response:
        assert response.status < 300, (response.status, await response.text())
        return await response.json() if response.status != 204 else None


async def _user(http: aiohttp.ClientSession, base: str) -> tuple[str, str]:
    name = unique_name()
    await _call(http, "POST", f"{base}/auth/register", username=name, password=PASSWORD)
    login = await _call(http, "POST", f"{base}/auth/login", username=name, password=PASSWORD)
    return name, login["token"]


async def _group_of_two(http: aiohttp.ClientSession, base: str) -> tuple[str, str, str]:
    """Ann's new group with Bob, made through `base`: Ann's token, Bob's, and the
    conversation's path (`conversations/<id>`)."""
    _, ann_token = await _user(http, base)
    bob, bob_token = await _user(http, base)
    group = await _call(http, "POST", f"{base}/conversations", ann_token, name="G", members=[bob])
    return ann_token, bob_token, f"conversations/{group['id']}"


async def _eventually(read: Any, expected: Any) -> None:
    """`read()` answers `expected` within 100 tries (the bus delivers in milliseconds)."""
    for _ in range(100):
        found = await read()
        if found == expected:
            return
        await asyncio.sleep(0.05)
    assert found == expected


async def test_a_change_through_one_process_shows_through_the_other(
    pair: list[ServiceProcess],
) -> None:
    one, other = (f"{service.url}/api/v1" for service in pair)
    async with aiohttp.ClientSession() as http:
        ann_token, bob_token, room = await _group_of_two(http, one)
        sent = await _call(http, "POST", f"{one}/{room}/messages", ann_token, content="hi")

        async def marks_on_other() -> tuple[list[dict[str, Any]], bool]:
            page = await _call(http, "GET", f"{other}/{room}/messages", bob_token)
            message = next(m for m in page["messages"] if m["id"] == sent["id"])
            return message["reactions"], message["pinned"]

        assert await marks_on_other() == ([], False)  # remembered by the other process
        assert await marks_on_other() == ([], False)
        reaction = f"{one}/{room}/messages/{sent['id']}/reactions/{quote('👍', safe='')}"
        await _call(http, "PUT", reaction, ann_token)
        await _eventually(marks_on_other, ([{"emoji": "👍", "count": 1, "me": False}], False))
        await _call(http, "PUT", f"{one}/{room}/pins/{sent['id']}", ann_token)
        await _eventually(marks_on_other, ([{"emoji": "👍", "count": 1, "me": False}], True))
        await _call(http, "DELETE", reaction, ann_token)
        await _eventually(marks_on_other, ([], True))


async def test_a_quote_outside_the_page_follows_an_edit_and_a_delete_made_elsewhere(
    pair: list[ServiceProcess],
) -> None:
    one, other = (f"{service.url}/api/v1" for service in pair)
    async with aiohttp.ClientSession() as http:
        ann_token, bob_token, room = await _group_of_two(http, one)
        quoted = await _call(http, "POST", f"{one}/{room}/messages", ann_token, content="first")
        await _call(http, "POST", f"{one}/{room}/messages", ann_token, content="between")
        await _call(
            http, "POST", f"{one}/{room}/messages", bob_token, content="re", reply_to=quoted["id"]
        )

        async def quote_on(base: str) -> Any:
            page = await _call(http, "GET", f"{base}/{room}/messages?limit=1", bob_token)
            reply_to = page["messages"][0]["reply_to"]
            return reply_to["content"], reply_to["deleted"]

        async def quote_on_other() -> Any:
            return await quote_on(other)

        for base in (one, other, one, other):  # read, then remembered by both
            assert await quote_on(base) == ("first", False)
        message = f"{one}/{room}/messages/{quoted['id']}"
        await _call(http, "PATCH", message, ann_token, content="second")
        assert await quote_on(one) == ("second", False)  # at once where it was edited
        await _eventually(quote_on_other, ("second", False))
        await _call(http, "DELETE", message, ann_token)
        assert await quote_on(one) == (None, True)
        await _eventually(quote_on_other, (None, True))
        assert await quote_on_other() == (None, True)
