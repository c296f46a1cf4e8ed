"""The Cassandra session: connection set-up and an asyncio bridge over the driver's futures.

The driver runs its own I/O thread (libev); each `execute` hands the driver's callbacks back
to the event loop with `call_soon_threadsafe`, so no executor thread is spent per query.
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
import time
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from cassandra import (
    ConsistencyLevel,
    CoordinationFailure,
    OperationTimedOut,
    ProtocolVersion,
    RequestExecutionException,
    WriteTimeout,
    WriteType,
)
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import (
    EXEC_PROFILE_DEFAULT,
    Cluster,
    ExecutionProfile,
    NoHostAvailable,
    Session,
)
from cassandra.policies import (
    DCAwareRoundRobinPolicy,
    ExponentialReconnectionPolicy,
    TokenAwarePolicy,
)
from cassandra.protocol import ErrorMessage
from cassandra.query import (
    UNSET_VALUE,
    BatchStatement,
    PreparedStatement,
    Statement,
    tuple_factory,
)

from chat_service.domain.errors import StoreUnavailable
from chat_service.infra import metrics
from chat_service.infra.settings import CassandraSettings

log = structlog.get_logger(__name__)

_PLAIN_ROWS = "plain rows"
# Failures that mean "Cassandra could not answer now", as opposed to a bug in a statement.
UNAVAILABLE_ERRORS = (NoHostAvailable, OperationTimedOut, RequestExecutionException)
CAS_WRITE_UNKNOWN = 0x1700  # protocol v5's error code; the driver has no class for it
# Tries of a conditional write whose outcome stays unknown, each settled by a serial read.
UNKNOWN_OUTCOME_ATTEMPTS = 4


class ConditionalWriteUnknown(StoreUnavailable):
    """A lightweight transaction whose outcome Cassandra could not tell: its proposal was
    accepted by some replicas but not a quorum (contention on several nodes), or Paxos
    timed out. It may yet be applied; a read at SERIAL (`read_serial`) settles it."""


T = TypeVar("T")


@dataclass(frozen=True)
class SerialRead(Generic[T]):
    """How a conditional write whose outcome was unknown is settled: the statement and
    values of a read of its row at LOCAL_SERIAL, and what that read's rows say: the
    write's outcome, or None when it was not applied (yet) and is to be tried again."""

    statement: PreparedStatement
    params: Sequence[Any]
    outcome: Callable[[list[Any]], T | None]


def _outcome_unknown(exc: BaseException) -> bool:
    if isinstance(exc, WriteTimeout):
        return bool(exc.write_type == WriteType.CAS)
    return isinstance(exc, ErrorMessage) and getattr(exc, "code", None) == CAS_WRITE_UNKNOWN


def named_rows(column_names: list[str], rows: list[tuple[Any, ...]]) -> list[Any]:
    """Rows as named tuples, like the driver's default factory, but with one class per
    column list: the default builds a new namedtuple class for every result, which cost
    more than the rest of a one-row read."""
    make = _row_maker(tuple(column_names))
    return [make(values) for values in rows]


@functools.lru_cache(maxsize=512)
def _row_maker(column_names: tuple[str, ...]) -> Callable[[Iterable[Any]], tuple[Any, ...]]:
    """`[applied]` becomes `applied`, as with the driver's own factory."""
    fields = [re.sub(r"\W", "_", name.strip('[]"')) for name in column_names]
    row = namedtuple("Row", fields, rename=True)  # type: ignore[misc]  # names known at run time
    return row._make


def _cluster(settings: CassandraSettings) -> Cluster:
    def profile(row_factory: Callable[[list[str], list[tuple[Any, ...]]], list[Any]]) -> Any:
        return ExecutionProfile(
            load_balancing_policy=TokenAwarePolicy(
                DCAwareRoundRobinPolicy(local_dc=settings.cassandra_local_dc)
            ),
            consistency_level=ConsistencyLevel.name_to_value[settings.cassandra_consistency],
            serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL,
            request_timeout=settings.cassandra_request_timeout_s,
            row_factory=row_factory,
        )

    auth = None
    if settings.cassandra_username and settings.cassandra_password:
        auth = PlainTextAuthProvider(
            settings.cassandra_username, settings.cassandra_password.get_secret_value()
        )
    return Cluster(
        contact_points=list(settings.cassandra_contact_points),
        port=settings.cassandra_port,
        protocol_version=ProtocolVersion.V5,
        execution_profiles={
            EXEC_PROFILE_DEFAULT: profile(named_rows),
            _PLAIN_ROWS: profile(tuple_factory),
        },
        reconnection_policy=ExponentialReconnectionPolicy(base_delay=0.5, max_delay=5.0),
        connect_timeout=min(settings.cassandra_request_timeout_s, 10.0),
        control_connection_timeout=min(settings.cassandra_request_timeout_s, 10.0),
        auth_provider=auth,
    )


class CassandraSession:
    """An asyncio face over one driver session."""

    def __init__(self, cluster: Cluster, session: Session, keyspace: str | None) -> None:
        self._cluster = cluster
        self._session = session
        self._keyspace = keyspace

    @classmethod
    async def connect(
        cls, settings: CassandraSettings, *, keyspace: str | None
    ) -> CassandraSession:
        """Connect, retrying while no host answers, for at most `cassandra_connect_timeout_s`.

        The session itself has no keyspace (`USE` makes prepared statements ambiguous);
        statements are prepared with the keyspace instead (protocol v5).
        """
        deadline = time.monotonic() + settings.cassandra_connect_timeout_s
        while True:
            cluster = _cluster(settings)
            try:
                session = await asyncio.to_thread(cluster.connect)
                if keyspace is not None:
                    await asyncio.to_thread(_require_keyspace, cluster, keyspace)
                return cls(cluster, session, keyspace)
            except NoHostAvailable as exc:
                await asyncio.to_thread(cluster.shutdown)
                if time.monotonic() >= deadline:
                    raise StoreUnavailable("Cassandra did not answer") from exc
                log.warning("cassandra.connect_retry", error=str(exc))
                await asyncio.sleep(1.0)

    async def prepare(self, cql: str) -> PreparedStatement:
        return await asyncio.to_thread(self._session.prepare, cql, None, self._keyspace)

    async def execute(
        self,
        statement: str | Statement,
        params: Sequence[Any] | dict[str, Any] | None = None,
        *,
        plain_rows: bool = False,
    ) -> list[Any]:
        """Run one statement and return the rows of its first page (timed, by name): named
        tuples, or plain tuples in column order with `plain_rows` (for reads of many rows,
        where building named tuples in the driver's thread costs)."""
        loop = asyncio.get_running_loop()
        result: asyncio.Future[list[Any]] = loop.create_future()
        name = _name_of(statement)

        def on_rows(rows: list[Any] | None) -> None:
            loop.call_soon_threadsafe(_resolve, result, list(rows or ()))

        def on_error(exc: BaseException) -> None:
            loop.call_soon_threadsafe(_reject, result, exc)

        started = time.perf_counter()
        try:
            profile = _PLAIN_ROWS if plain_rows else EXEC_PROFILE_DEFAULT
            future = self._session.execute_async(statement, params, execution_profile=profile)
            future.add_callbacks(on_rows, on_error)
            return await result
        except (*UNAVAILABLE_ERRORS, CoordinationFailure, ErrorMessage) as exc:
            metrics.CASSANDRA_ERRORS.labels(name, type(exc).__name__).inc()
            if _outcome_unknown(exc):
                raise ConditionalWriteUnknown("Cassandra could not tell the outcome") from exc
            if isinstance(exc, ErrorMessage) and not isinstance(exc, UNAVAILABLE_ERRORS):
                raise
            raise StoreUnavailable("Cassandra is unavailable") from exc
        finally:
            metrics.CASSANDRA_LATENCY.labels(name).observe(time.perf_counter() - started)

    async def read_serial(self, statement: PreparedStatement, params: Sequence[Any]) -> list[Any]:
        """A read at LOCAL_SERIAL: it completes any lightweight transaction in progress on
        the row first, so it shows whether one whose outcome was unknown was applied."""
        bound = statement.bind(params)
        bound.consistency_level = ConsistencyLevel.LOCAL_SERIAL
        return await self.execute(bound)

    async def settle(self, statement: PreparedStatement, params: Sequence[Any]) -> list[Any] | None:
        """After a conditional write whose outcome was unknown: wait for the competing
        Paxos round to end (a short random pause), then read the row at LOCAL_SERIAL.
        None when the read could not tell either (contention again): try once more."""
        await asyncio.sleep(random.uniform(0.02, 0.2))
        try:
            return await self.read_serial(statement, params)
        except StoreUnavailable:
            return None

    async def conditional(
        self,
        statement: PreparedStatement,
        params: Sequence[Any],
        *,
        answer: Callable[[Any], T],
        settle: SerialRead[T],
        attempts: int = UNKNOWN_OUTCOME_ATTEMPTS,
    ) -> T:
        """Run a lightweight transaction; its outcome is `answer` of its result row.

        When Cassandra cannot tell the outcome (replicas contending), `settle` reads the
        row at LOCAL_SERIAL, and what that read says is the outcome; when it says nothing
        (not applied yet, or the read could not tell either), the write is tried again, at
        most `attempts` times in all, then StoreUnavailable (a 503).
        """
        for _ in range(attempts):
            try:
                rows = await self.execute(statement, params)
            except ConditionalWriteUnknown:
                read = await self.settle(settle.statement, settle.params)
                settled = None if read is None else settle.outcome(read)
                if settled is not None:
                    return settled
                continue
            return answer(rows[0])
        raise StoreUnavailable(f"Cassandra could not settle {_name_of(statement)}")

    async def wait_for_schema_agreement(self) -> None:
        await asyncio.to_thread(
            self._cluster.control_connection.wait_for_schema_agreement, wait_time=60
        )

    async def close(self) -> None:
        await asyncio.to_thread(self._cluster.shutdown)


class SchemaMissing(Exception):
    """The keyspace has not been created: the service cannot run before `migrate`."""


def _require_keyspace(cluster: Cluster, keyspace: str) -> None:
    if keyspace not in cluster.metadata.keyspaces:
        raise SchemaMissing(f"keyspace {keyspace} does not exist: run `chat-service migrate` first")


@functools.cache
def _statement_name(cql: str) -> str:
    return metrics.statement_name(cql)


def _name_of(statement: str | Statement) -> str:
    if isinstance(statement, str):
        return _statement_name(statement)
    if isinstance(statement, BatchStatement):
        return "BATCH"
    prepared = getattr(statement, "prepared_statement", statement)
    return _statement_name(getattr(prepared, "query_string", "") or "?")


def _resolve(future: asyncio.Future[list[Any]], rows: list[Any]) -> None:
    if not future.done():
        future.set_result(rows)


def _reject(future: asyncio.Future[list[Any]], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def unset_nulls(values: Sequence[Any]) -> tuple[Any, ...]:
    """Bind values with every None left unset: a null written by an INSERT is a tombstone
    that every later read of the partition must skip."""
    return tuple(UNSET_VALUE if value is None else value for value in values)
