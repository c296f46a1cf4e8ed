"""The Redis pool's waiting line: a release wakes one waiter, and a waiter cancelled after
being woken passes the release on instead of losing it."""

import asyncio

import pytest

from chat_service.infra.redis import WaitingConnectionPool


async def _two_waiters() -> tuple[WaitingConnectionPool, asyncio.Task[None], asyncio.Task[None]]:
    """A pool with two commands waiting for a connection, each for up to 5 s."""
    pool = WaitingConnectionPool.from_url("redis://127.0.0.1:1/0", wait_s=5, max_connections=1)
    deadline = asyncio.get_running_loop().time() + 5
    first = asyncio.create_task(pool._released(deadline))
    second = asyncio.create_task(pool._released(deadline))
    await asyncio.sleep(0)
    return pool, first, second


async def test_a_release_wakes_one_waiter() -> None:
    pool, first, second = await _two_waiters()

    pool._wake_next()
    await asyncio.wait_for(first, 1)
    await asyncio.sleep(0.05)

    assert not second.done()
    second.cancel()


async def test_a_woken_waiter_cancelled_passes_the_release_on() -> None:
    pool, woken, next_in_line = await _two_waiters()

    pool._wake_next()  # wakes `woken`, which is cancelled before it runs
    woken.cancel()

    with pytest.raises(asyncio.CancelledError):
        await woken
    await asyncio.wait_for(next_in_line, 1)  # would wait for its 5 s deadline otherwise
