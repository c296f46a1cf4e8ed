"""Background renewals: one per key at a time, failures kept from the caller."""

from __future__ import annotations

import asyncio

from chat_service.infra.refresh_ahead import RefreshAhead


async def _settle() -> None:
    """Lets the tasks scheduled run, and their done callbacks after them."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_one_renewal_per_key_at_a_time() -> None:
    renewals, started, release = RefreshAhead(), [], asyncio.Event()

    async def read(key: str) -> None:
        started.append(key)
        await release.wait()

    for key in ("ann", "ann", "bob", "ann"):
        renewals.renew("members", key, lambda key=key: read(key))
    await asyncio.sleep(0)
    assert started == ["ann", "bob"]
    release.set()
    await _settle()
    renewals.renew("members", "ann", lambda: read("ann"))  # the first one is over
    await asyncio.sleep(0)
    assert started == ["ann", "bob", "ann"]


async def test_a_failed_renewal_frees_its_key() -> None:
    renewals, calls = RefreshAhead(), []

    async def failing() -> None:
        calls.append(1)
        raise ConnectionError("Cassandra is down")

    renewals.renew("members", "ann", failing)
    await _settle()
    renewals.renew("members", "ann", failing)
    await asyncio.sleep(0)
    assert len(calls) == 2


async def test_close_cancels_what_is_under_way() -> None:
    renewals, finished = RefreshAhead(), []

    async def slow() -> None:
        await asyncio.sleep(3600)
        finished.append(1)

    renewals.renew("members", "ann", slow)
    await asyncio.sleep(0)
    await renewals.close()
    assert finished == []
    renewals.renew("members", "ann", slow)  # freed by the cancellation
    await renewals.close()
