"""Garbage-collector settings for a long-running server process.

CPython's full (generation 2) collection walks every tracked object. After start-up that is
~100,000 objects (the driver's cluster metadata, modules, prepared statements) that live as
long as the process, and a full collection then stalls the event loop for 30-40 ms: it showed
as the tail of cached reads. Freezing them once the server is ready takes them out of every
later collection (full ones drop to ~4 ms); a larger first threshold makes the young
collections rarer, so fewer request objects are walked while still alive.

The price: a frozen object that later becomes garbage inside a reference cycle is never
collected (the driver's metadata replaced by a schema refresh, say). That is bounded by what
existed at start-up, and worth the stalls it removes.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000


def freeze_startup_objects() -> None:
    """Move every object alive now out of the collector's sight; call once, when ready."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
