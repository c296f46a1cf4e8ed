"""Seed data for the benchmarks. Accounts and the 10,000-message histories are written
through the repositories (fast, and not what is being measured); conversations and their
recent history go through the HTTP API like any client's."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp

from chat_service.domain.clock import now_ns, to_millis
from chat_service.domain.ids import TimeUuidFactory, direct_conversation_id
from chat_service.domain.models import Message, User, UserCredentials
from chat_service.infra.caches import CacheRegistry
from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings
from chat_service.repos.conversations import ConversationRepository
from chat_service.repos.messages import MessageRepository
from chat_service.repos.users import UserRepository
from chat_service.services.passwords import PasswordHasher
from chat_service.services.tokens import TokenIssuer

PASSWORD = "bench-password-1"
USERS = 1000
ROOMS, ROOM_MESSAGES = 100, 60
DEEP_ROOMS, DEEP_MESSAGES = 5, 700
HEAVY_USERS, HEAVY_MESSAGES = 3, 10_000
# Rooms whose recent messages carry reactions, replies and mentions (history_reactions,
# react): every other message has 1 to 3 emoji from 1 to 5 of the room's members.
REACTION_ROOMS, REACTION_MEMBERS, REACTION_MESSAGES = 20, 5, 60
EMOJI = ("👍", "🎉", "❤️", "😂", "👀", "🚀", "🙏", "✅")
SEARCH_ROOMS, SEARCH_MESSAGES = 4, 500


async def seed(settings: Settings, base_url: str) -> dict[str, Any]:
    db = await CassandraSession.connect(settings, keyspace=settings.cassandra_keyspace)
    try:
        users = await _users(db, settings)
        heavy = await _heavy_histories(db, users[:HEAVY_USERS], users[HEAVY_USERS:])
    finally:
        await db.close()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as http:
        rooms = await _rooms(http, base_url, users, ROOMS, ROOM_MESSAGES)
        deep = await _rooms(http, base_url, users, DEEP_ROOMS, DEEP_MESSAGES)
        reacted = await _reaction_rooms(http, base_url, users)
        searched = await _rooms(
            http, base_url, users, SEARCH_ROOMS, SEARCH_MESSAGES, text=searchable_text
        )
    for room in deep:
        # Oldest first: ids[50:180] are 520 to 650 messages from the newest, past the cache.
        room["deep_cursors"] = room.pop("ids")[50 : DEEP_MESSAGES - 520]
    for room in [*rooms, *searched]:
        room.pop("ids")
    return {
        "users": users,
        "heavy_users": heavy,
        "rooms": rooms,
        "deep_rooms": deep,
        "reaction_rooms": reacted,
        "emoji": list(EMOJI),
        "search_rooms": searched,
        "search_queries": SEARCH_QUERIES,
    }


async def _users(db: CassandraSession, settings: Settings) -> list[dict[str, str]]:
    """1,000 accounts sharing one password hashed at the configured cost, and their tokens."""
    repo = await UserRepository.create(db)
    hasher = PasswordHasher(settings.bcrypt_cost)
    password_hash = await hasher.hash(PASSWORD)
    hasher.close()
    issuer = TokenIssuer(
        settings.jwt_secret.get_secret_value(),
        settings.jwt_algorithm,
        settings.jwt_access_ttl_s,
        CacheRegistry().lru("verified_tokens", 1),  # it only issues
    )
    run = uuid.uuid4().hex[:6]
    users = []
    for n in range(USERS):
        user = User(uuid.uuid4(), f"bench{run}{n:04d}", to_millis(now_ns()))
        users.append(user)
    await _bounded(64, [repo.insert(UserCredentials(u, password_hash)) for u in users])
    return [
        {"username": u.username, "token": issuer.issue(u.id, u.username, now_ns())[0]}
        for u in users
    ]


async def _heavy_histories(
    db: CassandraSession, heavy: list[dict[str, str]], others: list[dict[str, str]]
) -> list[dict[str, str]]:
    """Users with 10,000 direct messages each, over the last day."""
    caches = CacheRegistry()
    repo = await MessageRepository.create(
        db,
        await ConversationRepository.create(db),
        known_buckets=caches.fifo("known_bucket_rows", 100_000),
        known_direct=caches.fifo("known_direct_conversations", 100_000),
    )
    factory = TimeUuidFactory()
    start = time.time_ns() - 86_400 * 10**9
    writes = []
    for user in heavy:
        step = 86_400 * 10**9 // HEAVY_MESSAGES
        for n in range(HEAVY_MESSAGES):
            peer = random.choice(others)["username"]
            sender, recipient = (user["username"], peer) if n % 2 else (peer, user["username"])
            message = Message(
                id=factory.new(start + n * step),
                conversation_id=direct_conversation_id(sender, recipient),
                sender=sender,
                recipient=recipient,
                content=f"history {n}",
            )
            writes.append(repo.store(message, (sender, recipient)))
    await _bounded(64, writes)
    return heavy


# Searchable text: words of a small vocabulary, most used first (Zipf-like), with a URL or
# a file name now and then; the queries the `search` scenario asks each search room.
_WORDS = [
    "deploy", "deploying", "release", "build", "review", "meeting", "report", "budget",
    "server", "database", "cache", "backup", "incident", "rollout", "feature", "ticket",
    "sprint", "design", "launch", "metrics", "customer", "invoice", "migration", "latency",
    "schedule", "roadmap", "standup", "hotfix", "staging",
]  # fmt: skip
SEARCH_QUERIES = ["deploy", "report budget", "incident", "rollo", "example.com", "hotfix"]


def searchable_text(n: int) -> str:
    rng = random.Random(n)
    words = rng.choices(_WORDS, [1 / (rank + 1) for rank in range(len(_WORDS))], k=8)
    if n % 10 == 0:
        words.append(f"https://docs.example.com/runbooks/{rng.choice(_WORDS)}_{n}")
    if n % 15 == 0:
        words.append(f"q{n % 4 + 1}_report.pdf")
    return " ".join(words)


async def _rooms(
    http: aiohttp.ClientSession,
    base: str,
    users: list[dict[str, str]],
    count: int,
    messages: int,
    text: Callable[[int], str] = lambda n: f"message {n}",
) -> list[dict[str, Any]]:
    async def room(owner: dict[str, str]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {owner['token']}"}
        members = [u["username"] for u in random.sample(users, 5) if u is not owner]
        async with http.post(
            f"{base}/api/v1/conversations", json={"name": "bench", "members": members},
            headers=headers,
        ) as response:  # fmt: skip
            conversation = await response.json()
        ids = []
        for n in range(messages):
            async with http.post(
                f"{base}/api/v1/conversations/{conversation['id']}/messages",
                json={"content": text(n)}, headers=headers,
            ) as response:  # fmt: skip
                ids.append((await response.json())["id"])
        return {"id": conversation["id"], "token": owner["token"], "ids": ids}

    return list(await _bounded(16, [room(users[-1 - n]) for n in range(count)]))


async def _reaction_rooms(
    http: aiohttp.ClientSession, base: str, users: list[dict[str, str]]
) -> list[dict[str, Any]]:
    """Rooms of `REACTION_MEMBERS` known members whose every other message has reactions,
    every third is a reply and every one mentions a member (`history_reactions` reads them
    with everything issue 18 adds); each room keeps its message ids and members' tokens."""

    async def room(n: int) -> dict[str, Any]:
        members = users[n * REACTION_MEMBERS : (n + 1) * REACTION_MEMBERS]
        owner = _auth(members[0]["token"])
        body = {"name": "reactions", "members": [m["username"] for m in members[1:]]}
        async with http.post(f"{base}/api/v1/conversations", json=body, headers=owner) as made:
            conversation = await made.json()
        path = f"{base}/api/v1/conversations/{conversation['id']}/messages"
        ids: list[str] = []
        for n in range(REACTION_MESSAGES):
            body = {"content": f"react {n} @{members[1]['username']}"}
            if n % 3 == 2:  # every third message replies to one sent before it
                body["reply_to"] = ids[random.randrange(len(ids))]
            async with http.post(path, json=body, headers=owner) as sent:
                ids.append((await sent.json())["id"])
        for message_id in ids[::2]:
            for emoji in random.sample(EMOJI, random.randint(1, 3)):
                for member in random.sample(members, random.randint(1, REACTION_MEMBERS)):
                    url = f"{path}/{message_id}/reactions/{quote(emoji, safe='')}"
                    async with http.put(url, headers=_auth(member["token"])) as reacted:
                        assert reacted.status == 204, await reacted.text()
        return {"id": conversation["id"], "tokens": [m["token"] for m in members], "ids": ids}

    return list(await _bounded(8, [room(n) for n in range(REACTION_ROOMS)]))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _bounded(limit: int, jobs: list) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def run(job):  # type: ignore[no-untyped-def]
        async with semaphore:
            return await job

    return await asyncio.gather(*(run(job) for job in jobs))
