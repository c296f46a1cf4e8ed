"""Password hashing runs below the event loop's priority."""

from __future__ import annotations

import os
import threading

from chat_service.services.passwords import PasswordHasher


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_hashing_threads_yield_the_cpu_to_the_event_loop() -> None:
    hasher = PasswordHasher(cost=4)
    try:
        loop_niceness = _niceness()
        hashed = await hasher.hash("correct horse")
        assert await hasher.verify("correct horse", hashed)
        assert await hasher._run(_niceness) == loop_niceness + 10
        assert _niceness() == loop_niceness  # the caller's thread is untouched
    finally:
        hasher.close()
