"""A message's reactions: who reacted with which emoji, summed up for one viewer.

The rows are counted, not a counter column: a reaction is one row keyed by its user, so
repeating it, or 20 users adding it at once, leaves exactly one row each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from chat_service.domain.models import ReactionCount


@dataclass(frozen=True, slots=True)
class EmojiReactors:
    """Everyone who reacted to one message with one emoji."""

    emoji: str
    users: frozenset[str]
    first_at_ns: int  # the earliest of them: ties of count keep the order they arrived in


MessageReactions = tuple[EmojiReactors, ...]  # most used first


def tally(rows: Iterable[tuple[uuid.UUID, str, str, int]]) -> dict[int, MessageReactions]:
    """(message id, emoji, username, reacted at ns) rows to each message's reactions (by the
    message id as an int), most used first, then the first to arrive."""
    gathered: dict[int, dict[str, tuple[set[str], list[int]]]] = {}
    for message_id, emoji, username, at_ns in rows:
        users, first = gathered.setdefault(message_id.int, {}).setdefault(emoji, (set(), [at_ns]))
        users.add(username)
        first[0] = min(first[0], at_ns)
    return {
        message: tuple(
            sorted(
                (EmojiReactors(e, frozenset(u), f[0]) for e, (u, f) in emoji.items()),
                key=lambda r: (-len(r.users), r.first_at_ns, r.emoji),
            )
        )
        for message, emoji in gathered.items()
    }


def summary(reactions: MessageReactions, viewer: str | None) -> tuple[ReactionCount, ...]:
    """The contract's `[{emoji, count, me}]`; `me` is False for everyone without a viewer."""
    return tuple(ReactionCount(r.emoji, len(r.users), viewer in r.users) for r in reactions)
