"""The service's rate limits: messages per user, failed logins per username, and requests
for an email (a reset or a verification) per account and per client address."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from chat_service.domain.errors import RateLimited
from chat_service.infra import metrics

MINUTE, HOUR, DAY = 60, 3600, 86_400


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
    email_requests_per_account: int = 5  # an hour
    email_requests_per_address: int = 30  # an hour


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

    async def take_email_request(self, kind: str, account: str, address: str) -> None:
        """Count one request for a `kind` email (`reset`, `verify`) naming `account` (an
        address or a username, whether or not it exists) from the client `address`, or
        refuse it with 429. The client is counted first: a refused client creates no
        per-account counters."""
        now = self._now_s()
        for key, limit in (
            (f"{kind}:from:{address}", self._settings.email_requests_per_address),
            (f"{kind}:for:{account}", self._settings.email_requests_per_account),
        ):
            wait = await self._counters.take(key, [(limit, HOUR)], now)
            if wait:
                metrics.RATE_LIMITED.labels(kind).inc()
                raise RateLimited("Too many email requests; try again later.", retry_after_s=wait)

    def _now_s(self) -> int:
        return self._clock_ns() // 1_000_000_000
