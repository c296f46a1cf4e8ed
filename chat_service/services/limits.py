"""The service's rate limits: messages per user, and failed logins per username."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chat_service.domain.errors import RateLimited
from chat_service.infra import metrics

MINUTE, DAY = 60, 86_400


class Counters(Protocol):
    async def take(self, key: str, windows: list[tuple[int, int]], now_s: int) -> int: ...
    async def exceeded(self, key: str, limit: int, window_s: int, now_s: int) -> int: ...
    async def count(self, key: str, window_s: int, now_s: int) -> None: ...


@dataclass(frozen=True)
class LimitSettings:
    sends_per_minute: int
    sends_per_day: int
    login_failures: int
    login_window_s: int


class Limits:
    def __init__(
        self, counters: Counters, settings: LimitSettings, clock_ns: Callable[[], int]
    ) -> None:
        self._counters = counters
        self._settings = settings
        self._clock_ns = clock_ns

    async def take_send(self, username: str) -> None:
        """Count one message for `username`, or refuse it with 429 when over a limit."""
        windows = [
            (self._settings.sends_per_minute, MINUTE),
            (self._settings.sends_per_day, DAY),
        ]
        wait = await self._counters.take(f"send:{username}", windows, self._now_s())
        if wait:
            metrics.RATE_LIMITED.labels("send").inc()
            raise RateLimited("Too many messages; slow down.", retry_after_s=wait)

    async def check_login(self, username: str) -> None:
        """Refuse logins for a name that failed too often lately, whatever the password."""
        wait = await self._counters.exceeded(
            f"login:{username}",
            self._settings.login_failures,
            self._settings.login_window_s,
            self._now_s(),
        )
        if wait:
            metrics.RATE_LIMITED.labels("login").inc()
            raise RateLimited("Too many failed logins; try again later.", retry_after_s=wait)

    async def login_failed(self, username: str) -> None:
        metrics.LOGIN_FAILURES.inc()
        await self._counters.count(
            f"login:{username}", self._settings.login_window_s, self._now_s()
        )

    def _now_s(self) -> int:
        return self._clock_ns() // 1_000_000_000
