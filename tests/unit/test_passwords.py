"""Password hashing runs on worker threads, below the event loop's priority."""

from __future__ import annotations

import os
import threading
from typing import Any

import bcrypt
import pytest

from chat_service.services import passwords
from chat_service.services.passwords import PasswordHasher


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


async def test_hashing_threads_yield_the_cpu_to_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where bcrypt runs and at what priority, recorded by bcrypt's own calls: no timing,
    and whatever niceness the test process was started with."""
    hashed_on: list[tuple[int, int]] = []

    def recorded(name: str) -> Any:
        real = getattr(bcrypt, name)

        def call(*args: Any) -> Any:
            hashed_on.append((threading.get_native_id(), _niceness()))
            return real(*args)

        return call

    monkeypatch.setattr(passwords.bcrypt, "hashpw", recorded("hashpw"))
    monkeypatch.setattr(passwords.bcrypt, "checkpw", recorded("checkpw"))
    hasher = PasswordHasher(cost=4)
    try:
        loop_thread, loop_niceness = threading.get_native_id(), _niceness()
        hashed = await hasher.hash("correct horse")
        assert await hasher.verify("correct horse", hashed)
        assert not await hasher.verify("wrong horse", None)
    finally:
        hasher.close()
    hashed_on = hashed_on[1:]  # the decoy is hashed once, in the constructor
    assert len(hashed_on) == 3
    assert all(thread != loop_thread for thread, _ in hashed_on)
    assert {niceness for _, niceness in hashed_on} == {min(loop_niceness + 10, 19)}
    assert _niceness() == loop_niceness  # the caller's thread is untouched
