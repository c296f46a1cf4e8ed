"""Fakes of the Cassandra repositories: users, conversations (with the statement builders
the writer batches, as callables applied in order), and messages."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace

from chat_service.domain.ids import epoch_ns, sort_key
from chat_service.domain.models import (
    Conversation,
    ConversationType,
    Member,
    Message,
    Role,
    User,
    UserConversation,
)
from chat_service.domain.timelines import ConversationTimeline, DirectMessagesTimeline, Timeline

Statement = Callable[[], None]


class FakeUsers:
    def __init__(self, *usernames: str) -> None:
        self._users = {name: User(uuid.uuid4(), name, 0) for name in usernames}

    async def by_username(self, username: str) -> User | None:
        return self._users.get(username)

    async def search(self, prefix: str, after: str, limit: int) -> list[tuple[uuid.UUID, str]]:
        names = sorted(n for n in self._users if n.startswith(prefix) and n > after)
        return [(self._users[name].id, name) for name in names[:limit]]


class FakeConversations:
    def __init__(self) -> None:
        self.conversations: dict[uuid.UUID, Conversation] = {}
        self.rosters: dict[uuid.UUID, dict[str, Member]] = {}
        self.lists: dict[str, dict[uuid.UUID, UserConversation]] = {}

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

    # The writer's statements: each applies one row's change, as Cassandra would.

    def activity_statement(
        self, username: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> Statement:
        def apply() -> None:
            row = self.lists.get(username, {}).get(conversation_id)
            if row is not None and _newer(message_id, row.last_activity_id):
                self.lists[username][conversation_id] = replace(row, last_activity_id=message_id)

        return apply

    def read_statements(
        self, username: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> list[Statement]:
        """Markers are written at the message's time, so they never move backwards."""

        def apply() -> None:
            row = self.lists.get(username, {}).get(conversation_id)
            if row is not None and _newer(message_id, row.last_read_id):
                self.lists[username][conversation_id] = replace(row, last_read_id=message_id)
            member = self.rosters.get(conversation_id, {}).get(username)
            if member is not None and _newer(message_id, member.last_read_id):
                self.rosters[conversation_id][username] = replace(member, last_read_id=message_id)

        return [apply]

    def direct_statements(
        self, conversation_id: uuid.UUID, people: tuple[str, str], first_message: uuid.UUID
    ) -> list[Statement]:
        """First writer wins: nothing that exists is rewritten."""

        def apply() -> None:
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

        return [apply]

    async def execute_all(self, statements: list[Statement]) -> None:
        for statement in statements:
            statement()


class FakeHistory:
    """Every stored copy of every message, by timeline (what Cassandra's tables hold)."""

    def __init__(self) -> None:
        self.timelines: dict[Timeline, dict[uuid.UUID, Message]] = {}

    def add(self, timeline: Timeline, message: Message) -> None:
        self.timelines.setdefault(timeline, {})[message.id] = message

    def newest_first(self, timeline: Timeline) -> list[Message]:
        held = self.timelines.get(timeline, {}).values()
        return sorted(held, key=lambda m: sort_key(m.id), reverse=True)

    async def get(self, conversation_id: uuid.UUID, message_id: uuid.UUID) -> Message | None:
        """What the writer reads (as `MessageRepository.conversations.get`)."""
        return self.timelines.get(ConversationTimeline(conversation_id), {}).get(message_id)


class FakeMessages:
    """`MessageRepository` as the writer uses it."""

    def __init__(self, history: FakeHistory) -> None:
        self.conversations = history
        self.retry_keys: dict[tuple[str, str], tuple[uuid.UUID, uuid.UUID]] = {}

    async def reserve_client_id(
        self, sender: str, client_message_id: str, conversation_id: uuid.UUID, message_id: uuid.UUID
    ) -> tuple[uuid.UUID, uuid.UUID]:
        return self.retry_keys.setdefault(
            (sender, client_message_id), (conversation_id, message_id)
        )

    async def store(
        self, message: Message, user_copies: Sequence[str] = (), extra: Sequence[Statement] = ()
    ) -> None:
        for timeline in _copies(message, user_copies):
            self.conversations.add(timeline, message)
        for statement in extra:
            statement()

    async def edit(
        self, message: Message, user_copies: Sequence[str], content: str, edited_at_ns: int
    ) -> bool:
        stored = await self.conversations.get(message.conversation_id, message.id)
        if stored is None or stored.deleted:
            return False
        edited = replace(stored, content=content, edited_at_ns=edited_at_ns)
        for timeline in _copies(message, user_copies):
            self.conversations.add(timeline, edited)
        return True

    async def soft_delete(self, message: Message, user_copies: Sequence[str]) -> None:
        deleted = replace(message, content=None, attachment=None, deleted=True)
        for timeline in _copies(message, user_copies):
            self.conversations.add(timeline, deleted)


def _copies(message: Message, user_copies: Sequence[str]) -> list[Timeline]:
    return [
        ConversationTimeline(message.conversation_id),
        *(DirectMessagesTimeline(person) for person in user_copies),
    ]


def _newer(message_id: uuid.UUID, than: uuid.UUID | None) -> bool:
    return than is None or sort_key(message_id) > sort_key(than)
