"""Domain values to the contract's JSON shapes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import orjson

from chat_service.domain.clock import format_ns
from chat_service.domain.ids import epoch_ns
from chat_service.domain.models import (
    NO_MARKS,
    Conversation,
    ConversationSummary,
    Member,
    Message,
    MessageMarks,
    PageMarks,
    Presence,
    Quote,
    ReactionCount,
    SharedMessages,
    TokenPair,
    User,
    Version,
)

RenderKey = tuple[int, int | None, bool, Quote | None]


def user(value: User) -> dict[str, Any]:
    return {
        "id": str(value.id),
        "username": value.username,
        "created_at": format_ns(value.created_at_ns),
    }


def registered(value: User) -> dict[str, Any]:
    """`POST /auth/register`: the user, with its address when it gave one."""
    body = user(value)
    if value.email is not None:
        body["email"] = value.email
    return body


def account(value: User) -> dict[str, Any]:
    """`GET /users/me`: the user with its address (or null) and whether it is verified."""
    body = user(value)
    body["email"] = value.email
    body["email_verified"] = value.email_verified
    return body


def tokens(pair: TokenPair) -> dict[str, Any]:
    return {
        "token": pair.access_token,
        "token_type": "Bearer",
        "expires_at": format_ns(pair.access_expires_at_ns),
        "refresh_token": pair.refresh_token,
        "data": {"id": str(pair.user.id), "username": pair.user.username},
    }


def message(value: Message, marks: MessageMarks = NO_MARKS) -> dict[str, Any]:
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
        "reactions": [{"emoji": r.emoji, "count": r.count, "me": r.me} for r in marks.reactions],
        "pinned": marks.pinned,
        **_reply_and_mentions(value),
    }


def _reply_and_mentions(value: Message) -> dict[str, Any]:
    """Issue #18: the quoted message as it is now, and who the text mentions (neither for a
    deleted message)."""
    quote = None if value.deleted else value.reply_to
    return {
        "reply_to": {
            "id": str(quote.id),
            "sender": quote.sender,
            "content": quote.content,
            "deleted": quote.deleted,
        }
        if quote is not None
        else None,
        "mentions": [] if value.deleted else list(value.mentions),
    }


def versions(values: Sequence[Version]) -> dict[str, Any]:
    return {
        "versions": [{"content": v.content, "edited_at": format_ns(v.edited_at_ns)} for v in values]
    }


def reaction_counts(reactions: Sequence[ReactionCount]) -> list[dict[str, Any]]:
    """A reaction summary in a broadcast event: without `me`, which differs by member."""
    return [{"emoji": r.emoji, "count": r.count} for r in reactions]


class RenderedMessages(Protocol):
    """A bounded mapping (`infra.caches.CacheRegistry.fifo`), made by `app.py`."""

    def get(self, key: RenderKey) -> orjson.Fragment | None: ...

    def __setitem__(self, key: RenderKey, value: orjson.Fragment) -> None: ...


class MessageRenderer:
    """Messages rendered to JSON once per app, for pages that many readers fetch.

    A message's rendering is fixed by its id, its edit time, whether it is deleted and the
    quote of a reply (the rest never changes once stored), so those are the key.
    """

    def __init__(self, rendered: RenderedMessages) -> None:
        self._rendered = rendered

    def message_json(self, value: Message) -> orjson.Fragment:
        # UUID's own hash is Python; a quote is hashed only for replies.
        key = (value.id.int, value.edited_at_ns, value.deleted, value.reply_to)
        fragment = self._rendered.get(key)
        if fragment is None:
            fragment = orjson.Fragment(orjson.dumps(message(value)))
            self._rendered[key] = fragment
        return fragment

    def messages_json(
        self, values: Sequence[Message], marks: PageMarks | None = None
    ) -> orjson.Fragment:
        """The messages as one JSON array. A page shared by every reader of the unchanged
        cached page keeps its array, so only its first reader joins the messages. A page
        with marks (reactions, pins) renders its marked messages for this reader, once for
        as long as the reader is answered the same marks of the same shared page."""
        if marks:
            if not isinstance(values, SharedMessages):
                return self._marked_array(values, marks)
            memo = marks.memo
            if memo is None or memo[0] is not values:
                memo = marks.memo = (values, self._marked_array(values, marks))
            return memo[1]
        if isinstance(values, SharedMessages):
            if values.memo is None:
                values.memo = self._array(values)
            return values.memo
        return self._array(values)

    def _array(self, values: Sequence[Message]) -> orjson.Fragment:
        one = self.message_json
        return orjson.Fragment(orjson.dumps([one(value) for value in values]))

    def _marked_array(self, values: Sequence[Message], marks: PageMarks) -> orjson.Fragment:
        one = self.message_json
        rendered = [
            orjson.Fragment(orjson.dumps(message(value, marks[value.id.int])))
            if value.id.int in marks
            else one(value)
            for value in values
        ]
        return orjson.Fragment(orjson.dumps(rendered))


def member(value: Member) -> dict[str, Any]:
    return {
        "username": value.username,
        "role": value.role.value,
        "joined_at": format_ns(value.joined_at_ns),
        "last_read_message_id": str(value.last_read_id) if value.last_read_id else None,
    }


def conversation(value: Conversation, members: list[Member]) -> dict[str, Any]:
    return {
        "id": str(value.id),
        "type": value.type.value,
        "name": value.name,
        "created_by": value.created_by,
        "is_private": value.is_private,
        "created_at": format_ns(value.created_at_ns),
        "members": [member(m) for m in members],
    }


def summary(value: ConversationSummary) -> dict[str, Any]:
    return {
        "id": str(value.id),
        "type": value.type.value,
        "name": value.name,
        "peer": value.peer,
        "last_message": message(value.last_message) if value.last_message else None,
        "unread_count": value.unread_count,
        "mention_count": value.mention_count,
        "updated_at": format_ns(value.updated_at_ns),
    }


def presence(item: Presence) -> dict[str, object]:
    return {
        "username": item.username,
        "online": item.online,
        "last_seen_at": format_ns(item.last_seen_ns) if item.last_seen_ns is not None else None,
    }
