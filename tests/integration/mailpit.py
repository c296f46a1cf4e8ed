"""Reading the mail the service sent, through Mailpit's API (`GET /api/v1/search`,
`GET /api/v1/message/{ID}`), and the token out of a message's link."""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

import aiohttp

# Where `tools/stack.py` (make test) starts Mailpit's web UI and API.
MAILPIT_URL = os.environ.get(
    "MAILPIT_URL", f"http://127.0.0.1:{os.environ.get('MAILPIT_HTTP_PORT', '8025')}"
)
_TOKEN = {
    "verify": re.compile(r"/#/verify-email\?token=([A-Za-z0-9_\-]+)"),
    "reset": re.compile(r"/#/reset-password\?token=([A-Za-z0-9_\-]+)"),
}


async def messages_to(address: str, base: str = MAILPIT_URL) -> list[dict[str, Any]]:
    """Summaries of the messages sent to `address`, newest first."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{base}/api/v1/search", params={"query": f'to:"{address}"'}) as response,
    ):
        assert response.status == 200, await response.text()
        found: list[dict[str, Any]] = (await response.json())["messages"]
    # Search matches words; keep exact recipients only.
    return [m for m in found if any(to["Address"] == address for to in m["To"])]


async def message(message_id: str, base: str = MAILPIT_URL) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{base}/api/v1/message/{message_id}") as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def wait_for_mail(
    address: str, count: int = 1, base: str = MAILPIT_URL, within_s: float = 30
) -> list[dict[str, Any]]:
    """The full messages to `address` once there are `count` of them, newest first."""
    for _ in range(int(within_s / 0.1)):
        found = await messages_to(address, base)
        if len(found) >= count:
            return [await message(summary["ID"], base) for summary in found]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} message(s) to {address} did not arrive within {within_s} s")


def token_in(mail: dict[str, Any], kind: str) -> str:
    """The token of the `verify` or `reset` link, found alike in the text and HTML bodies."""
    in_text = _TOKEN[kind].search(mail["Text"])
    in_html = _TOKEN[kind].search(mail["HTML"])
    assert in_text and in_html and in_text.group(1) == in_html.group(1), mail["Text"]
    return in_text.group(1)
