"""Fakes of the Cassandra repositories: users, conversations and messages. They keep what
the tables would hold, and record what the message writer asked for (`stored`,
`fanned_out`), so the writer's rules and the services above it test on one set."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from chat_service.domain.clock import to_millis
from chat_service.domain.events import Event, streams_of
from chat_service.domain.ids import epoch_ns, sort_key
from chat_service.domain.models import (
    Conversation,
    ConversationType,
    Member,
    Message,
    Role,
    User,
    UserConversation,
    Version,
)
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline, Timeline
from tests.unit.fakes.changes import FakeChangeLog


class FakeUsers:
    def __init__(self, *usernames: str) -> None:
        self._users = {name: User(uuid.uuid4(), name, 0) for name in usernames}

    async def by_username(self, username: str) -> User | None:
        return self._users.get(username)

    async def credentials(self, username: str) -> None:
        return None  # no passwords here: every login fails

    async def search(self, prefix: str, after: str, limit: int) -> list[tuple[uuid.UUID, str]]:
        names = sorted(n for n in self._users if n.startswith(prefix) and n > after)
        return [(self._users[name].id, name) for name in names[:limit]]


class FakeConversations:
    def __init__(self) -> None:
        self.conversations: dict[uuid.UUID, Conversation] = {}
        self.rosters: dict[uuid.UUID, dict[str, Member]] = {}
        self.lists: dict[str, dict[uuid.UUID, UserConversation]] = {}
        self.fanned_out: list[tuple[uuid.UUID, tuple[str, ...], uuid.UUID]] = []

    async def get(self, conversation_id: uuid.UUID) -> Conversation | None:
        return self.conversations.get(conversation_id)

    async def member(self, conversation_id: uuid.UUID, username: str) -> Member | None:
        return self.rosters.get(conversation_id, {}).get(username)

    async def members(self, conversation_id: uuid.UUID) -> list[Member]:
        roster = self.rosters.get(conversation_id, {})
        return [roster[name] for name in sorted(roster)]

    async def create_group(self, conversation: Conversation, members: list[Member]) -> None:
        self.conversations[conversation.id] = conversation
        for member in members:
            await self.add_member(conversation, member)

    async def add_member(self, conversation: Conversation, member: Member) -> None:
        self.rosters.setdefault(conversation.id, {})[member.username] = member
        self.lists.setdefault(member.username, {})[conversation.id] = UserConversation(
            conversation.id,
            conversation.type,
            conversation.name,
            None,
            member.joined_at_ns,
            None,
            member.last_read_id,
        )

    async def set_role(self, conversation_id: uuid.UUID, username: str, role: Role) -> bool:
        roster = self.rosters.get(conversation_id, {})
        if username not in roster:
            return False
        roster[username] = replace(roster[username], role=role)
        return True

    async def remove_member(self, conversation_id: uuid.UUID, username: str) -> None:
        self.rosters.get(conversation_id, {}).pop(username, None)
        self.lists.get(username, {}).pop(conversation_id, None)

    async def user_conversations(self, username: str) -> list[UserConversation]:
        return list(self.lists.get(username, {}).values())

    # What the write side changes, as Cassandra's rows would take it.

    async def record_activity(
        self, conversation_id: uuid.UUID, usernames: Sequence[str], message_id: uuid.UUID
    ) -> None:
        """The fan-out after a message's batch (`ActivityStore`): recorded, then applied."""
        self.fanned_out.append((conversation_id, tuple(usernames), message_id))
        self.move_activity(conversation_id, usernames, message_id)

    def move_activity(
        self, conversation_id: uuid.UUID, usernames: Sequence[str], message_id: uuid.UUID
    ) -> None:
        for username in usernames:
            row = self.lists.get(username, {}).get(conversation_id)
            if row is not None and _newer(message_id, row.last_activity_id):
                self.lists[username][conversation_id] = replace(row, last_activity_id=message_id)

    async def mark_read(
        self, username: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> None:
        """Markers are written at the message's time, so they never move backwards."""
        row = self.lists.get(username, {}).get(conversation_id)
        if row is not None and _newer(message_id, row.last_read_id):
            self.lists[username][conversation_id] = replace(row, last_read_id=message_id)
        member = self.rosters.get(conversation_id, {}).get(username)
        if member is not None and _newer(message_id, member.last_read_id):
            self.rosters[conversation_id][username] = replace(member, last_read_id=message_id)

    def create_direct(
        self, conversation_id: uuid.UUID, people: tuple[str, str], first_message: uuid.UUID
    ) -> None:
        """First writer wins: nothing that exists is rewritten."""
        created = epoch_ns(first_message)
        conversation = Conversation(
            conversation_id, ConversationType.DIRECT, None, people[0], True, created
        )
        self.conversations.setdefault(conversation_id, conversation)
        for person, peer in (people, people[::-1]):
            roster = self.rosters.setdefault(conversation_id, {})
            roster.setdefault(person, Member(person, Role.MEMBER, created))
            self.lists.setdefault(person, {}).setdefault(
                conversation_id,
                UserConversation(
                    conversation_id, ConversationType.DIRECT, None, peer, created, None, None
                ),
            )


class FakeHistory:
    """Every stored copy of every message, by timeline (what Cassandra's tables hold)."""

    def __init__(self) -> None:
        self.timelines: dict[Timeline, dict[uuid.UUID, Message]] = {}

    def add(self, timeline: Timeline, message: Message) -> None:
        self.timelines.setdefault(timeline, {})[message.id] = message

    def newest_first(self, timeline: Timeline) -> list[Message]:
        held = self.timelines.get(timeline, {}).values()
        return sorted(held, key=lambda m: sort_key(m.id), reverse=True)

    def get(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        return self.timelines.get(ConversationTimeline(conversation_id), {}).get(message_id)


@dataclass(frozen=True)
class Stored:
    """One `store` call: the message and what the caller said it changes."""

    message: Message
    copies: tuple[str, ...]
    activity_for: tuple[str, ...]
    read_marker_for: str | None
    direct_between: tuple[str, str] | None


class FakeMessages:
    """`MessageRepository` as the writer uses it: the copies go to `history`, the rows a
    message changes to `conversations`, all at once as the logged batch does; every
    `store` call is kept in `stored`, every retry key in `claims`."""

    def __init__(
        self,
        history: FakeHistory,
        conversations: FakeConversations,
        changes: FakeChangeLog | None = None,
    ) -> None:
        self._history = history
        self._conversations = conversations
        self._changes = changes
        self.claims: dict[tuple[str, str], tuple[uuid.UUID, uuid.UUID]] = {}
        self.stored: list[Stored] = []
        self.versions = FakeVersions()
        self.mentions = FakeMentions()

    async def reserve_client_id(
        self, sender: str, client_message_id: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[uuid.UUID, uuid.UUID]:
        """Like `INSERT ... IF NOT EXISTS`: the first claim of a key wins."""
        return self.claims.setdefault((sender, client_message_id), (conversation_id, message_id))

    async def client_id_claim(
        self, sender: str, client_message_id: str
    ) -> tuple[uuid.UUID, uuid.UUID] | None:
        return self.claims.get((sender, client_message_id))

    async def store(
        self,
        message: Message,
        copies: Sequence[str] = (),
        *,
        activity_for: Sequence[str] = (),
        read_marker_for: str | None = None,
        direct_between: tuple[str, str] | None = None,
        change: Event | None = None,
    ) -> None:
        self.stored.append(
            Stored(message, tuple(copies), tuple(activity_for), read_marker_for, direct_between)
        )
        if change is not None and self._changes is not None:
            await self._changes.append(streams_of(change), change)
        self.put(message, copies)
        conversation = message.conversation_id
        if direct_between is not None:
            self._conversations.create_direct(conversation, direct_between, message.id)
        self._conversations.move_activity(conversation, activity_for, message.id)
        if read_marker_for is not None:
            await self._conversations.mark_read(read_marker_for, conversation, message.id)

    def put(self, message: Message, copies: Sequence[str] = ()) -> None:
        """The message's copies, as if written (by `store`, or by another attempt)."""
        for timeline in _copies(message, copies):
            self._history.add(timeline, message)
        self.mentions.add(message, message.mentions)

    async def get(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        return self._history.get(conversation_id, message_id)

    async def edit(
        self,
        message: Message,
        user_copies: Sequence[str],
        content: str,
        edited_at_ns: int,
        mentions: Sequence[str] = (),
    ) -> bool:
        stored = self._history.get(message.conversation_id, message.id)
        if stored is None or stored.deleted:
            return False
        if stored.content is not None:
            since = stored.edited_at_ns or to_millis(epoch_ns(stored.id))
            self.versions.kept.setdefault(stored.id, []).append(Version(stored.content, since))
        self.mentions.remove(stored, stored.mentions)
        self.mentions.add(stored, mentions)
        edited = replace(
            stored, content=content, edited_at_ns=edited_at_ns, mentions=tuple(mentions)
        )
        for timeline in _copies(message, user_copies):
            self._history.add(timeline, edited)
        return True

    async def soft_delete(self, message: Message, user_copies: Sequence[str]) -> None:
        deleted = replace(message, content=None, attachment=None, deleted=True, mentions=())
        for timeline in _copies(message, user_copies):
            self._history.add(timeline, deleted)
        self.versions.kept.pop(message.id, None)
        self.mentions.remove(message, message.mentions)


class FakeVersions:
    """`VersionRepository` as the edit history reads it."""

    def __init__(self) -> None:
        self.kept: dict[uuid.UUID, list[Version]] = {}

    async def earlier(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> list[Version]:
        return list(self.kept.get(message_id, []))


class FakeMentions:
    """`MentionRepository`: who is mentioned where (never the sender), newest first."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[uuid.UUID, uuid.UUID]] = {}  # username: message: conversation

    def add(self, message: Message, usernames: Sequence[str]) -> None:
        for name in usernames:
            if name != message.sender:
                self.rows.setdefault(name, {})[message.id] = message.conversation_id

    def remove(self, message: Message, usernames: Sequence[str]) -> None:
        for name in usernames:
            self.rows.get(name, {}).pop(message.id, None)

    async def newest(
        self, username: str, before: uuid.UUID | None, limit: int
    ) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], bool]:
        ids = sorted(self.rows.get(username, {}), key=sort_key, reverse=True)
        if before is not None:
            ids = [i for i in ids if sort_key(i) < sort_key(before)]
        found = [(self.rows[username][i], i) for i in ids]
        return found[:limit], len(found) > limit


def _copies(message: Message, user_copies: Sequence[str]) -> list[Timeline]:
    return [
        ConversationTimeline(message.conversation_id),
        *(DirectMessagesTimeline(person) for person in user_copies),
    ]


def _newer(message_id: uuid.UUID, than: uuid.UUID | None) -> bool:
    return than is None or sort_key(message_id) > sort_key(than)
