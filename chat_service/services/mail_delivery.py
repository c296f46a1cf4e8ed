"""Mail is queued, never sent on the request path: `queue` stores it in the outbox and
returns, and `run` (a background task in every process) sends what is due.

A failed attempt (the server down, slow past the timeout, or refusing) is logged and
retried with exponential backoff, `retry_base_s` doubling up to `retry_max_s`, until the
message expires with the token it carries (its TTL in the outbox). Several processes drain
one outbox: each message is claimed (a lease of `lease_s`) before it is sent, so it goes out
once, or again only if its sender died between sending and deleting it.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import structlog

from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.models import OutgoingMail, QueuedMail
from chat_service.infra import metrics
from chat_service.mail.smtp import MailNotSent

log = structlog.get_logger(__name__)
_NS = 1_000_000_000


class Outbox(Protocol):
    async def add(
        self, message_id: uuid.UUID, mail: OutgoingMail, now_ns: int, ttl_s: int
    ) -> None: ...
    async def oldest(self, limit: int) -> list[QueuedMail]: ...
    async def claim(self, queued: QueuedMail, until_ns: int) -> bool: ...
    async def postpone(self, message_id: uuid.UUID, until_ns: int) -> None: ...
    async def delete(self, message_id: uuid.UUID) -> None: ...


class MailSender(Protocol):
    async def send(self, mail: OutgoingMail) -> None: ...


@dataclass(frozen=True)
class DeliverySettings:
    poll_s: float = 1.0
    lease_s: float = 60.0
    retry_base_s: float = 2.0
    retry_max_s: float = 300.0
    batch: int = 20


def retry_delay_s(attempts: int, settings: DeliverySettings) -> float:
    """The wait after the `attempts`-th failed attempt (1, 2, ...)."""
    return min(settings.retry_max_s, settings.retry_base_s * 2 ** max(0, attempts - 1))


class MailDelivery:
    def __init__(
        self,
        outbox: Outbox,
        sender: MailSender,
        settings: DeliverySettings,
        new_id: Callable[[], uuid.UUID],
        clock_ns: Callable[[], int],
    ) -> None:
        self._outbox = outbox
        self._sender = sender
        self._settings = settings
        self._new_id = new_id
        self._clock_ns = clock_ns
        self._due = asyncio.Event()
        self._outbox_down = False  # logged once per outage, not on every poll

    async def queue(self, mail: OutgoingMail, ttl_s: int) -> None:
        """Store `mail` for sending (it is dropped unsent after `ttl_s`) and wake the sender."""
        await self._outbox.add(self._new_id(), mail, self._clock_ns(), ttl_s)
        self._due.set()

    async def run(self) -> None:
        """Send what is due, then wait for the next poll or a newly queued message; forever."""
        while True:
            self._due.clear()
            try:
                await self.send_due()
            except StoreUnavailable as exc:
                if not self._outbox_down:
                    log.warning("mail.outbox_unavailable", error=exc.message)
                self._outbox_down = True
            except Exception:  # the loop must outlive any one bad message or outage
                log.exception("mail.delivery_failed")
            else:
                if self._outbox_down:
                    log.info("mail.outbox_available")
                self._outbox_down = False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._due.wait(), self._settings.poll_s)

    async def send_due(self) -> int:
        """One pass over the oldest queued messages; how many were sent."""
        sent = 0
        for queued in await self._outbox.oldest(self._settings.batch):
            now = self._clock_ns()
            if queued.not_before_ns > now:
                continue
            if queued.mail is None:
                log.warning("mail.expired_unsent", attempts=queued.attempts)
                await self._outbox.delete(queued.id)
                continue
            if not await self._outbox.claim(queued, now + int(self._settings.lease_s * _NS)):
                continue  # another process has it
            sent += await self._attempt(queued, queued.mail, now)
        return sent

    async def _attempt(self, queued: QueuedMail, mail: OutgoingMail, now: int) -> int:
        attempts = queued.attempts + 1
        try:
            await self._sender.send(mail)
        except MailNotSent as exc:
            metrics.MAIL_SEND_FAILURES.inc()
            delay = retry_delay_s(attempts, self._settings)
            log.warning(
                "mail.send_failed",
                error=str(exc),
                attempts=attempts,
                retry_in_s=delay,
                subject=mail.subject,
            )
            await self._outbox.postpone(queued.id, now + int(delay * _NS))
            return 0
        metrics.MAIL_SENT.inc()
        await self._outbox.delete(queued.id)
        log.info("mail.sent", attempts=attempts, subject=mail.subject)
        return 1
