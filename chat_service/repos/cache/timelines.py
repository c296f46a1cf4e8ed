"""Recent history in Redis: the newest messages of each timeline, complete or absent.

Failures never reach callers: a read that fails is a miss, a write that fails marks the
cache suspect, and the next successful contact bumps the epoch before anything is served
(see `scripts.py`).
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError, RedisError

from chat_service.domain.ids import sort_key
from chat_service.domain.models import Attachment, Message, MessageKind, SharedMessages
from chat_service.infra import metrics
from chat_service.infra.caches import NamedCache
from chat_service.repos.cache import scripts

log = structlog.get_logger(__name__)

EPOCH_KEY = "chat:epoch"
# The metric's children, bound once: `labels()` takes a lock and builds a key every call.
_HIT, _MISSED, _BYPASSED = (
    metrics.CACHE_REQUESTS.labels("timeline", result) for result in ("hit", "miss", "bypass")
)
FILL_TTL_S = 30
TOTAL_VALID_MS = 5_000
ABSENT_FOR_S = 1.0  # how long a timeline found absent sends older and newer pages to Cassandra


@dataclass(frozen=True, slots=True)
class CachedPage:
    messages: SharedMessages  # the same list for every reader of the unchanged page
    more: bool  # whether the cache holds more messages beyond the page
    cached_count: int  # how many messages the timeline holds in Redis
    oldest_key: str  # sort key of the oldest cached message ('' when none)
    version: bytes  # the timeline's version when read (see scripts.py)
    total: int | None  # the timeline's whole length, when remembered (see remember_total)


@dataclass(frozen=True, slots=True)
class RememberedPage:
    version: bytes
    messages: SharedMessages
    size: int  # bytes of its encoded messages


def remembered_page_bytes(page: RememberedPage) -> int:
    """What a remembered page costs of its cache's byte budget."""
    return page.size


@dataclass(frozen=True, slots=True)
class TimelineMemos:
    """What this process remembers of what Redis answered (bounded caches from `app.py`):

    - `decoded`: entries already decoded, by their bytes (a recent page has many readers);
    - `floors`: the oldest sort key each full timeline held when last read. It only ever
      moves up (a full timeline keeps the newest messages), so a cursor at or below it
      cannot be served from Redis: asking would only cost a round trip before Cassandra;
    - `pages`: the last version read of recent first pages (by offset: those many readers
      share) and their messages, least recently used first, within a byte budget
      (`remembered_page_bytes`): an unchanged page is answered by Redis without its messages and
      reuses the same list (see scripts.py);
    - `absent`: timelines Redis did not hold when last asked, until when (monotonic): a page
      before or after a cursor of one goes to Cassandra for `ABSENT_FOR_S` without asking
      (only the newest page fills a timeline, so a deep history nobody reads from the top
      would otherwise cost a round trip on every page). Cassandra answers the same pages,
      so this can delay using a fill made meanwhile elsewhere, never show anything wrong.
    """

    decoded: NamedCache[bytes, Message]
    floors: NamedCache[str, str]
    pages: NamedCache[tuple[str, object, int], RememberedPage]
    absent: NamedCache[str, float] | None = None


class TimelineCache:
    def __init__(
        self,
        redis: Redis,
        memos: TimelineMemos,
        max_len: int = 500,
        ttl_s: int = 24 * 3600,
        total_valid_ms: int = TOTAL_VALID_MS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._clock = clock
        self.max_len = max_len
        self._ttl_s = ttl_s
        self._total_valid_ms = total_valid_ms
        self._suspect = False
        self._fills: dict[str, asyncio.Task[None]] = {}
        self._decoded = memos.decoded
        self._floors = memos.floors
        self._pages = memos.pages
        self._absent = memos.absent
        self._append = redis.register_script(scripts.APPEND)
        self._replace = redis.register_script(scripts.REPLACE)
        self._begin_fill = redis.register_script(scripts.BEGIN_FILL)
        self._finish_fill = redis.register_script(scripts.FINISH_FILL)
        self._read = redis.register_script(scripts.READ)
        self._remember_total = redis.register_script(scripts.REMEMBER_TOTAL)

    async def append(self, timelines: Sequence[str], message: Message) -> None:
        await self._write(self._append, self._append_args(timelines, message))

    async def queue_append(
        self, pipe: Pipeline, timelines: Sequence[str], message: Message
    ) -> bool:
        """Queue `append` on `pipe` (by its script's digest; see `repos/cache/sends.py`);
        False, queuing nothing, while the cache cannot be trusted."""
        if not await self._healthy():
            return False
        pipe.evalsha(self._append.sha, 1, EPOCH_KEY, *self._append_args(timelines, message))
        return True

    async def appended(self, reply: object, timelines: Sequence[str], message: Message) -> None:
        """Settle a queued append's `reply`: run it again if Redis had lost the script
        (NOSCRIPT: restarted, or flushed), remember a failure (see `_healthy`)."""
        if isinstance(reply, NoScriptError):
            await self.append(timelines, message)  # loads the script, then runs it
        elif isinstance(reply, BaseException):
            self.write_failed(reply)

    def write_failed(self, error: BaseException) -> None:
        log.warning("cache.write_failed", error=str(error))
        self._suspect = True

    def _append_args(self, timelines: Sequence[str], message: Message) -> list[str | bytes | int]:
        return [self.max_len, self._ttl_s, sort_key(message.id), encode(message), *timelines]

    async def replace(self, timelines: Sequence[str], message: Message) -> None:
        """Update the cached copies of an edited or deleted message."""
        args = [
            sort_key(message.id),
            encode(message),
            message.edited_at_ns or 0,
            int(message.deleted),
            *timelines,
        ]
        await self._write(self._replace, args)

    def newest(self, timeline: str, offset: int, count: int) -> Awaitable[CachedPage | None]:
        """`count` messages after skipping the `offset` newest; None when not cached (an
        absent timeline is filled by `ensure_filled`). Not itself a coroutine: the hottest
        read awaits the page read directly."""
        return self._read_page(timeline, "offset", offset, count)

    async def before(self, timeline: str, message_id: uuid.UUID, count: int) -> CachedPage | None:
        """Up to `count` messages older than `message_id`; None when not cached."""
        key = sort_key(message_id)
        floor = self._floors.get(timeline)
        if (floor is not None and key <= floor) or self._known_absent(timeline):
            _BYPASSED.inc()
            return None
        return await self._read_page(timeline, "before", key, count)

    async def after(self, timeline: str, message_id: uuid.UUID, count: int) -> CachedPage | None:
        """Up to `count` messages newer than `message_id`, oldest first; None when not cached."""
        if self._known_absent(timeline):
            _BYPASSED.inc()
            return None
        return await self._read_page(timeline, "after", sort_key(message_id), count)

    def _known_absent(self, timeline: str) -> bool:
        until = self._absent.get(timeline) if self._absent is not None else None
        return until is not None and until > self._clock()

    async def remember_total(self, timeline: str, total: int, page: CachedPage) -> None:
        """Remember how many messages the timeline has (counted in Cassandra after `page` was
        read) for the next few seconds, unless the timeline changed since `page`."""
        if not await self._healthy():
            return
        try:
            await self._remember_total(
                keys=[EPOCH_KEY], args=[timeline, total, page.version, self._total_valid_ms]
            )
        except RedisError as exc:  # nothing cached can be wrong for it: the total is not kept
            log.warning("cache.remember_total_failed", error=str(exc))

    async def ensure_filled(
        self, timeline: str, load: Callable[[int], Awaitable[list[Message]]]
    ) -> None:
        """Fill an absent timeline from `load(max_len)`, once per process however many
        requests miss at the same time."""
        task = self._fills.get(timeline)
        if task is None:
            task = asyncio.create_task(self._fill(timeline, load))
            self._fills[timeline] = task
            task.add_done_callback(lambda _: self._fills.pop(timeline, None))
        await asyncio.shield(task)

    async def _fill(self, timeline: str, load: Callable[[int], Awaitable[list[Message]]]) -> None:
        token = secrets.token_hex(8)
        if not await self._healthy():
            return
        try:
            state = await self._begin_fill(keys=[EPOCH_KEY], args=[timeline, token, FILL_TTL_S])
        except RedisError:
            self._suspect = True
            return
        if state != b"started":
            return  # ready already, or another process is filling it
        messages = await load(self.max_len)
        args: list[object] = [timeline, token, self.max_len, self._ttl_s]
        for message in messages:
            args += [sort_key(message.id), encode(message)]
        await self._write(self._finish_fill, args)
        if self._absent is not None:
            self._absent.pop(timeline)

    async def _read_page(
        self, timeline: str, mode: str, position: object, count: int
    ) -> CachedPage | None:
        if not await self._healthy():
            return None
        key = (timeline, position, count)
        known = self._pages.get(key) if mode == "offset" else None
        args: list[Any] = [timeline, mode, position, count, known.version if known else ""]
        try:
            reply = await self._read(keys=[EPOCH_KEY], args=args)
        except RedisError:
            self._suspect = True
            return None
        (_HIT if reply else _MISSED).inc()
        if not reply:
            if self._absent is not None:
                self._absent[timeline] = self._clock() + ABSENT_FOR_S
            return None
        cached_count, oldest, total, version, more = reply[:5]
        if known is not None and known.version == version:
            messages = known.messages
        else:
            try:
                messages = SharedMessages(self._decode(raw) for raw in reply[5:])
            except (orjson.JSONDecodeError, KeyError, ValueError, TypeError):
                log.warning("cache.corrupt_entry", timeline=timeline)
                return None
            if mode == "offset":
                size = sum(len(raw) for raw in reply[5:])
                self._pages[key] = RememberedPage(version, messages, size)
        page = CachedPage(
            messages,
            bool(more),
            cached_count,
            oldest.decode(),
            version,
            total if total >= 0 else None,
        )
        if cached_count >= self.max_len and self._floors.get(timeline) != page.oldest_key:
            self._floors[timeline] = page.oldest_key
        return page

    def _decode(self, raw: bytes) -> Message:
        message = self._decoded.get(raw)
        if message is None:
            message = decode(raw)
            self._decoded[raw] = message
        return message

    async def _write(self, script: object, args: Sequence[object]) -> None:
        if not await self._healthy():
            return
        try:
            await script(keys=[EPOCH_KEY], args=args)  # type: ignore[operator]
        except RedisError as exc:
            self.write_failed(exc)

    async def _healthy(self) -> bool:
        """False while Redis cannot be trusted; a suspect cache is invalidated on recovery."""
        if not self._suspect:
            return True
        try:
            await self._redis.incr(EPOCH_KEY)
        except RedisError:
            return False
        log.info("cache.invalidated_after_failure")
        self._suspect = False
        return True


def encode(message: Message) -> bytes:
    attachment = message.attachment
    return orjson.dumps(
        {
            "i": str(message.id),
            "c": str(message.conversation_id),
            "k": message.kind.value,
            "s": message.sender,
            "r": message.recipient,
            "t": message.content,
            "a": [attachment.type, attachment.url] if attachment else None,
            "e": message.edited_at_ns,
            "d": message.deleted,
            # The quoted message's id only: its text is read with the page (repos/quotes.py).
            "q": str(message.reply_to_id) if message.reply_to_id else None,
            "m": message.mentions,
        }
    )


def decode(raw: bytes) -> Message:
    return from_fields(orjson.loads(raw))


def from_fields(data: dict[str, Any]) -> Message:
    """The message `encode` wrote, once parsed (an event carries it as a nested object)."""
    attachment = data["a"]
    return Message(
        id=uuid.UUID(data["i"]),
        conversation_id=uuid.UUID(data["c"]),
        kind=MessageKind(data["k"]),
        sender=data["s"],
        recipient=data["r"],
        content=data["t"],
        attachment=Attachment(*attachment) if attachment else None,
        edited_at_ns=data["e"],
        deleted=data["d"],
        reply_to_id=uuid.UUID(data["q"]) if data.get("q") else None,  # absent: cached before
        mentions=tuple(data.get("m") or ()),
    )
