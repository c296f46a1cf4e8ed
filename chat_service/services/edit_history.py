"""A message's edit history: every text it has had, oldest first, the current one last;
readable by members; nothing once the message is deleted (its versions are erased with it)."""

from __future__ import annotations

import uuid
from typing import Protocol

from chat_service.domain.clock import to_millis
from chat_service.domain.ids import epoch_ns
from chat_service.domain.models import Version
from chat_service.services.access import ConversationAccess


class VersionReader(Protocol):
    """The earlier texts of a message (`repos.versions.VersionRepository`)."""

    async def earlier(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> list[Version]: ...


class EditHistoryService:
    def __init__(self, access: ConversationAccess, versions: VersionReader) -> None:
        self._access = access
        self._versions = versions

    async def history(
        self, caller: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> list[Version]:
        await self._access.require_member(caller, conversation_id)
        message = await self._access.message_or_404(conversation_id, message_id)
        if message.deleted or message.content is None:
            return []
        earlier = await self._versions.earlier(conversation_id, message_id)
        current = Version(message.content, message.edited_at_ns or to_millis(epoch_ns(message.id)))
        return [*earlier, current]
