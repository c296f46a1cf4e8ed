"""glibc's malloc arenas: how many heaps the threads of one process may spread over.

glibc gives each thread that contends for the allocator an arena of its own, up to eight
per core; the Cassandra driver's and bcrypt's threads take several. Memory freed in one
arena is not reused by another and is rarely given back, so a burst of requests leaves
RSS at a higher step that stays (the soak showed such steps, each during a stall).
Capping arenas at 2 is the usual remedy for long-running threaded servers (the same
setting as the MALLOC_ARENA_MAX environment variable, which glibc reads at start-up;
applying it here makes it hold however the process is started). Elsewhere than glibc,
nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap the arenas of this process (0: glibc's default); True when glibc took it.

    Call before the process starts threads: a thread keeps the arena it has."""
    if arenas <= 0:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(arenas)))
