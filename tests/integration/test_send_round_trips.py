"""How many times a send writes to Redis, through the whole service: the rate limit before
the store, everything derived from the message in one round trip after it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio.connection import AbstractConnection

from tests.integration.api import new_user, send_dm
from tests.integration.conversations_api import create_group, post


class Packets:
    count = 0


@pytest.fixture
def packets(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Packets]]:
    """Every packet any Redis client of this process writes (a command, or a pipeline)."""
    original = AbstractConnection.send_packed_command

    async def counted(self: AbstractConnection, *args: Any, **kwargs: Any) -> None:
        Packets.count += 1
        await original(self, *args, **kwargs)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    yield Packets


async def fewest(packets: type[Packets], send: Callable[[], Awaitable[object]]) -> int:
    """The fewest packets of five sends: background work (presence renewals, pings) may
    add to one of them, never take away."""
    counts = []
    for _ in range(5):
        before = packets.count
        await send()
        counts.append(packets.count - before)
    return min(counts)


async def test_a_direct_message_costs_two_redis_round_trips(
    client: TestClient, packets: type[Packets]
) -> None:
    _, headers = await new_user(client, "ann")
    bob, _ = await new_user(client, "bob")
    await send_dm(client, headers, bob, "warm")  # scripts loaded, the recipient known
    assert await fewest(packets, lambda: send_dm(client, headers, bob, "hello")) == 2


async def test_a_group_message_costs_two_redis_round_trips(
    client: TestClient, packets: type[Packets]
) -> None:
    _, headers = await new_user(client, "ann")
    others = [(await new_user(client, f"m{i}"))[0] for i in range(4)]
    group = await create_group(client, headers, others)
    await post(client, headers, group["id"], "warm")
    assert await fewest(packets, lambda: post(client, headers, group["id"], "hello")) == 2
