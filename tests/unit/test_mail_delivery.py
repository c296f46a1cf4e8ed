"""The outbox's sender, on fakes: due mail is claimed, sent and deleted; a failure is
retried with exponential backoff; mail another process claimed, or not due, is left alone;
expired mail is dropped unsent."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import replace

from chat_service.domain.models import OutgoingMail, QueuedMail
from chat_service.mail.smtp import MailNotSent
from chat_service.services.mail_delivery import (
    DeliverySettings,
    MailDelivery,
    retry_delay_s,
)
from tests.unit.fakes.accounts import NS, FakeClock

MAIL = OutgoingMail("ann@example.com", "Reset your password", "text", "<p>html</p>")
SETTINGS = DeliverySettings(retry_base_s=2, retry_max_s=30, lease_s=60)


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, QueuedMail] = {}
        self.taken_elsewhere: set[uuid.UUID] = set()

    async def add(self, message_id: uuid.UUID, mail: OutgoingMail, now_ns: int, ttl_s: int) -> None:
        self.rows[message_id] = QueuedMail(message_id, mail, 0, now_ns)

    async def oldest(self, limit: int) -> list[QueuedMail]:
        return list(self.rows.values())[:limit]

    async def claim(self, queued: QueuedMail, until_ns: int) -> bool:
        if queued.id in self.taken_elsewhere:
            return False
        self.rows[queued.id] = replace(queued, attempts=queued.attempts + 1, not_before_ns=until_ns)
        return True

    async def postpone(self, message_id: uuid.UUID, until_ns: int) -> None:
        self.rows[message_id] = replace(self.rows[message_id], not_before_ns=until_ns)

    async def delete(self, message_id: uuid.UUID) -> None:
        del self.rows[message_id]


class FlakySender:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[OutgoingMail] = []

    async def send(self, mail: OutgoingMail) -> None:
        if self.failures:
            self.failures -= 1
            raise MailNotSent("connection refused")
        self.sent.append(mail)


def _delivery(outbox: FakeOutbox, sender: FlakySender, clock: FakeClock) -> MailDelivery:
    ids = (uuid.UUID(int=n) for n in itertools.count(1))
    return MailDelivery(outbox, sender, SETTINGS, lambda: next(ids), clock)


def test_the_backoff_doubles_up_to_its_cap() -> None:
    assert [retry_delay_s(n, SETTINGS) for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


async def test_due_mail_is_sent_once_and_deleted() -> None:
    outbox, sender, clock = FakeOutbox(), FlakySender(), FakeClock()
    delivery = _delivery(outbox, sender, clock)
    await delivery.queue(MAIL, ttl_s=1800)
    assert await delivery.send_due() == 1
    assert await delivery.send_due() == 0
    assert sender.sent == [MAIL] and outbox.rows == {}


async def test_a_failed_attempt_is_retried_after_the_backoff() -> None:
    outbox, sender, clock = FakeOutbox(), FlakySender(failures=2), FakeClock()
    delivery = _delivery(outbox, sender, clock)
    await delivery.queue(MAIL, ttl_s=1800)
    assert await delivery.send_due() == 0  # attempt 1 fails: next in 2 s
    (queued,) = outbox.rows.values()
    assert queued.attempts == 1 and queued.not_before_ns == clock.now_ns + 2 * NS
    clock.advance(1.9)
    assert await delivery.send_due() == 0 and next(iter(outbox.rows.values())).attempts == 1
    clock.advance(0.1)
    assert await delivery.send_due() == 0  # attempt 2 fails: next in 4 s
    clock.advance(4)
    assert await delivery.send_due() == 1
    assert sender.sent == [MAIL] and outbox.rows == {}


async def test_mail_another_process_claimed_is_left_to_it() -> None:
    outbox, sender, clock = FakeOutbox(), FlakySender(), FakeClock()
    delivery = _delivery(outbox, sender, clock)
    await delivery.queue(MAIL, ttl_s=1800)
    outbox.taken_elsewhere = set(outbox.rows)
    assert await delivery.send_due() == 0
    assert sender.sent == [] and len(outbox.rows) == 1


async def test_expired_mail_is_dropped_unsent() -> None:
    outbox, sender, clock = FakeOutbox(), FlakySender(), FakeClock()
    delivery = _delivery(outbox, sender, clock)
    await delivery.queue(MAIL, ttl_s=1800)
    (message_id,) = outbox.rows
    outbox.rows[message_id] = replace(outbox.rows[message_id], mail=None)  # its TTL passed
    assert await delivery.send_due() == 0
    assert sender.sent == [] and outbox.rows == {}
