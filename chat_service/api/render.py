"""Domain values to the contract's JSON shapes."""

from __future__ import annotations

from typing import Any

from chat_service.domain.clock import format_ns
from chat_service.domain.ids import epoch_ns
from chat_service.domain.models import Message, TokenPair, User


def user(value: User) -> dict[str, Any]:
    return {
        "id": str(value.id),
        "username": value.username,
        "created_at": format_ns(value.created_at_ns),
    }


def tokens(pair: TokenPair) -> dict[str, Any]:
    return {
        "token": pair.access_token,
        "token_type": "Bearer",
        "expires_at": format_ns(pair.access_expires_at_ns),
        "refresh_token": pair.refresh_token,
        "data": {"id": str(pair.user.id), "username": pair.user.username},
    }


def message(value: Message) -> dict[str, Any]:
    attachment = value.attachment
    return {
        "id": str(value.id),
        "conversation_id": str(value.conversation_id),
        "type": value.kind.value,
        "sender": value.sender,
        "recipient": value.recipient,
        "content": None if value.deleted else value.content,
        "attachment": {"type": attachment.type, "url": attachment.url} if attachment else None,
        "timestamp": format_ns(epoch_ns(value.id)),
        "edited_at": format_ns(value.edited_at_ns) if value.edited_at_ns else None,
        "deleted": value.deleted,
    }
