"""Event-loop lag: how late the loop runs a timer. One process serves every request on one
loop, so lag is the queueing delay every request of this process pays on top of its own
work; it rises before latency percentiles do."""

from __future__ import annotations

import asyncio

from chat_service.infra import metrics

CHECK_EVERY_S = 0.5


async def measure_loop_lag(every_s: float = CHECK_EVERY_S) -> None:
    """Sleep `every_s` at a time and publish how much later than asked the loop woke."""
    loop = asyncio.get_running_loop()
    while True:
        due = loop.time() + every_s
        await asyncio.sleep(every_s)
        metrics.EVENT_LOOP_LAG.set(max(0.0, loop.time() - due))
