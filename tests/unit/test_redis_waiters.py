"""The Redis pool's waiting line: a release wakes one waiter, and a waiter cancelled after
being woken passes the release on instead of losing it."""

import asyncio

import pytest

from chat_service.infra.redis import WaitingConnectionPool


def _pool() -> WaitingConnectionPool:
    return WaitingConnectionPool.from_url("redis://127.0.0.1:1/0", wait_s=5, max_connections=1)


async def test_a_release_wakes_one_waiter() -> None:
    pool = _pool()
    deadline = asyncio.get_running_loop().time() + 5
    first = asyncio.create_task(pool._released(deadline))
    second = asyncio.create_task(pool._released(deadline))
    await asyncio.sleep(0)

    pool._wake_next()
    await asyncio.wait_for(first, 1)
    await asyncio.sleep(0.05)

    assert not second.done()
    second.cancel()


async def test_a_woken_waiter_cancelled_passes_the_release_on() -> None:
    pool = _pool()
    deadline = asyncio.get_running_loop().time() + 5
    woken = asyncio.create_task(pool._released(deadline))
    next_in_line = asyncio.create_task(pool._released(deadline))
    await asyncio.sleep(0)

    pool._wake_next()  # wakes `woken`, which is cancelled before it runs
    woken.cancel()

    with pytest.raises(asyncio.CancelledError):
        await woken
    await asyncio.wait_for(next_in_line, 1)  # would wait for its 5 s deadline otherwise
