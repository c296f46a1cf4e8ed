"""The in-flight limit of admission control, moved by the latency of what it admits.

A fixed limit is right for one load only. Under overload the requests in flight queue for
the same loop and the same stores, so by Little's law their latency is about
`in flight / throughput`: when the stores slow down (compaction, another tenant, a GC) a
fixed limit keeps admitting as many, and every admitted request waits longer. This limit
is instead steered by a latency target, a gradient rule in the style of Netflix's
concurrency limits:

- Completions are collected in windows (`WINDOW_S`, at least `MIN_SAMPLES`). Only windows
  in which the limit was reached count: below it the limit decides nothing, and a store
  slow at low load is not a queue this process can shorten.
- In such a window, the limit is scaled by `target / p90` of the window's latencies,
  clamped to [`DECREASE_MAX`, `INCREASE_MAX`] and by at least one request either way, and
  kept within [floor, ceiling]. Above the target it falls in proportion (twice the target
  halves it); below, it grows while the latency allows.
- A step down must pay: until the target is met, every window must be at least
  `PAYING_GAIN` faster than the one before the last step down; if one is not, the latency
  is not this process's queue (a store or a machine slow at any concurrency), so the limit
  goes back up to where it was and does not fall below that for `HOLD_S`. A
  latency target below what the stores can do then costs the target, not the traffic:
  without this, one stall left the limit at the floor, refusing most of a light load.

The p90 is steered rather than the p99 because a window holds a few hundred completions:
its p99 is a handful of requests, one store hiccup. Keeping the p90 at the target keeps the
p99 near twice it. Time comes from an injected clock (tests use a fake one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_S = 0.5
MIN_SAMPLES = 20
MAX_SAMPLES = 4096  # per window, so a long window under heavy load stays small
STEERED_PERCENTILE = 0.9
DECREASE_MAX, INCREASE_MAX = 0.5, 1.25
PAYING_GAIN = 0.9  # a step down must bring the p90 to 90% of the window before, or less
HOLD_S = 5.0


@dataclass(frozen=True)
class LimitSettings:
    ceiling: int  # MAX_IN_FLIGHT_REQUESTS: the limit never rises above it (it starts there)
    floor: int  # ADMISSION_MIN_IN_FLIGHT: nor falls below it
    target_s: float  # ADMISSION_LATENCY_TARGET_MS; 0: the limit stays at the ceiling


class LatencyLimit:
    """The current in-flight limit; `record` every admitted request's latency."""

    def __init__(self, settings: LimitSettings, clock: Callable[[], float]) -> None:
        self._settings = settings
        self._clock = clock
        self.limit = settings.ceiling
        self.last_p90_s = 0.0
        self._window_started = clock()
        self._latencies: list[float] = []
        self._reached = False
        self._stepped_down_from: tuple[int, float] | None = None  # (limit, its p90)
        self._held_at, self._held_until = 0, 0.0

    @property
    def adaptive(self) -> bool:
        return self._settings.target_s > 0 and self._settings.floor < self._settings.ceiling

    def admits(self, in_flight: int) -> bool:
        """Whether one more request may start with `in_flight` already being served."""
        if in_flight < self.limit:
            return True
        self._reached = True
        return False

    def record(self, latency_s: float, in_flight: int) -> None:
        """One admitted request took `latency_s`; `in_flight` were served as it ended."""
        if not self.adaptive:
            return
        if in_flight + 1 >= self.limit:
            self._reached = True
        if len(self._latencies) < MAX_SAMPLES:
            self._latencies.append(latency_s)
        now = self._clock()
        if now - self._window_started >= WINDOW_S and len(self._latencies) >= MIN_SAMPLES:
            self._close_window(now)

    def _close_window(self, now: float) -> None:
        ordered = sorted(self._latencies)
        self.last_p90_s = ordered[int(STEERED_PERCENTILE * (len(ordered) - 1))]
        if self._reached:
            self._steer(self.last_p90_s, now)
        self._window_started, self._latencies, self._reached = now, [], False

    def _steer(self, p90_s: float, now: float) -> None:
        if p90_s <= self._settings.target_s:
            self._stepped_down_from = None  # the steps down paid: the target is met
        elif self._stepped_down_from:
            before, p90_before = self._stepped_down_from
            if p90_s > PAYING_GAIN * p90_before:  # the last step down did not pay: undo it
                self.limit, self._held_at, self._held_until = before, before, now + HOLD_S
                self._stepped_down_from = None
                return
        proposed = self._next_limit(p90_s)
        if now < self._held_until:
            proposed = max(proposed, self._held_at)
        if proposed < self.limit:
            self._stepped_down_from = (self.limit, p90_s)
        self.limit = proposed

    def _next_limit(self, p90_s: float) -> int:
        settings = self._settings
        ratio = settings.target_s / p90_s if p90_s > 0 else INCREASE_MAX
        ratio = min(INCREASE_MAX, max(DECREASE_MAX, ratio))
        scaled = self.limit * ratio
        if ratio >= 1:
            proposed = max(self.limit + 1, math.floor(scaled))
        else:
            proposed = min(self.limit - 1, math.ceil(scaled))
        return min(settings.ceiling, max(settings.floor, proposed))
