"""The publishing path every service uses: an event is logged for `/sync`, then sent live.

An event that is not ephemeral gets a change id and is written to its change logs (and the
conversation is marked changed for its recipients) before it is published, so everything a
client can hear live it can also catch up on. A new message arrives here logged already:
its log row went into the message's own batch. Ephemeral events
(typing) are only published.

The change itself is stored before it gets here, so a log that cannot be written does not
fail the request (a retry could not redo a removal, say): the event is still sent live,
and the failure is logged and counted; that one event is then missing from `/sync`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import replace
from typing import Protocol

import structlog

from chat_service.domain.errors import StoreUnavailable
from chat_service.domain.events import EPHEMERAL_EVENTS, PERSONAL_EVENTS, Event, streams_of
from chat_service.domain.ids import TimeUuidFactory
from chat_service.infra import metrics
from chat_service.services.messaging import EventPublisher

log = structlog.get_logger(__name__)


class ChangeLog(Protocol):
    """The write side of the change logs (`repos.changes.ChangeLogRepository`)."""

    async def append(self, streams: Sequence[str], event: Event) -> None: ...

    async def touch(
        self, usernames: Sequence[str], conversation_id: uuid.UUID, change_id: uuid.UUID
    ) -> None: ...


class LoggedEvents:
    """An `EventPublisher` that logs, then publishes on the bus."""

    def __init__(self, log: ChangeLog, bus: EventPublisher, ids: TimeUuidFactory) -> None:
        self._log = log
        self._bus = bus
        self._ids = ids

    async def publish(self, event: Event) -> None:
        if event.type in EPHEMERAL_EVENTS or event.change_id is not None:
            await self._bus.publish(event)
            return
        change_id = self._ids.new()
        event = replace(event, change_id=change_id)
        logged = await self._logged(self._log.append(streams_of(event), event), event)
        await self._bus.publish(event)
        # After the live event: a large group's upserts do not delay it, and a /sync that
        # runs before they land still reads this log next time (they land within the
        # settle window, and the floor stays behind it).
        if logged and event.type not in PERSONAL_EVENTS:
            touch = self._log.touch(event.recipients, event.conversation_id, change_id)
            await self._logged(touch, event)

    async def _logged(self, write: Awaitable[None], event: Event) -> bool:
        try:
            await write
        except StoreUnavailable:
            metrics.CHANGES_NOT_LOGGED.inc()
            log.warning("changes.not_logged", type=event.type.value, change=str(event.change_id))
            return False
        return True
