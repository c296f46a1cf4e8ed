"""bcrypt over a SHA-256 pre-hash, on worker threads.

bcrypt reads at most 72 bytes; hashing the whole password with SHA-256 first (and base64, so
no NUL byte reaches bcrypt) makes every byte count. bcrypt releases the GIL, so a small
dedicated pool keeps logins from starving the event loop or the default executor.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar, TypeVarTuple

import bcrypt

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
_HASHING_NICENESS = 10
_LEAST_PRIORITY = 19  # Linux's highest niceness


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest())


def _yield_cpu() -> None:
    """Run this hashing thread at a lower priority (10 nicer than the thread that started
    it, which the thread inherits): a login storm then takes the CPU that nothing else
    wants, and the event loops of this and other processes (`serve --workers`) still
    answer at once. Relative, because a process started niced must not be made less nice
    (without privilege that fails, and the pool with it)."""
    thread = threading.get_native_id()
    inherited = os.getpriority(os.PRIO_PROCESS, thread)
    os.setpriority(os.PRIO_PROCESS, thread, min(inherited + _HASHING_NICENESS, _LEAST_PRIORITY))


class PasswordHasher:
    def __init__(self, cost: int, threads: int = 2) -> None:
        self._cost = cost
        self._pool = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="bcrypt", initializer=_yield_cpu
        )
        # Checked against when the user does not exist, so both paths cost one bcrypt.
        self._decoy = bcrypt.hashpw(b"decoy", bcrypt.gensalt(cost))

    async def hash(self, password: str) -> bytes:
        salt = bcrypt.gensalt(self._cost)
        return await self._run(bcrypt.hashpw, _prehash(password), salt)

    async def verify(self, password: str, hashed: bytes | None) -> bool:
        """True when `password` matches; with `hashed` None, spend the same time and fail."""
        ok = await self._run(bcrypt.checkpw, _prehash(password), hashed or self._decoy)
        return bool(ok) and hashed is not None

    async def _run(self, fn: Callable[[*Ts], T], *args: *Ts) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
