"""Waiting for something to become ready: a check is polled until it returns a value, raises,
or the time is up. The Cassandra and Redis tooling, the test suite's service processes and
the benchmark all wait through here, so they time out the same way. Standard library
only, but for `http_ready`.

A check returns None while the thing is not ready yet, and raises when waiting longer cannot
help (the process it waits for has exited).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class NotReady(TimeoutError):
    """The check still returned None when the time was up."""


def wait_until(check: Callable[[], T | None], what: str, within: float, every: float = 0.2) -> T:
    for pause in _pauses(within, every):
        time.sleep(pause)
        result = check()
        if result is not None:
            return result
    raise NotReady(f"{what} not ready within {within:.0f} s")


async def wait_until_async(
    check: Callable[[], Awaitable[T | None]], what: str, within: float, every: float = 0.2
) -> T:
    for pause in _pauses(within, every):
        await asyncio.sleep(pause)
        result = await check()
        if result is not None:
            return result
    raise NotReady(f"{what} not ready within {within:.0f} s")


async def http_ready(
    url: str, within: float = 60, alive: Callable[[], None] = lambda: None
) -> None:
    """Until `GET {url}/api/v1/ready` answers 200; `alive` raises if the server has exited.
    (aiohttp is imported here: the store tooling that imports this module is stdlib-only.)"""
    import aiohttp

    async with aiohttp.ClientSession() as session:

        async def answers() -> bool | None:
            alive()
            try:
                async with session.get(f"{url}/api/v1/ready") as response:
                    return True if response.status == 200 else None
            except aiohttp.ClientError:
                return None

        await wait_until_async(answers, f"the service at {url}", within)


def _pauses(within: float, every: float) -> Iterator[float]:
    """0 first (a ready thing is seen at once), then `every` until `within` has passed."""
    deadline = time.monotonic() + within
    yield 0.0
    while time.monotonic() < deadline:
        yield every
