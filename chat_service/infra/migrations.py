"""Numbered CQL migrations, applied once each and in order, safe to run from several processes.

Concurrent schema changes to one table from two coordinators can leave Cassandra with two
table ids for one name, so the runner serialises itself with a lease taken by a lightweight
transaction. The lease table itself is created with a fixed id, which makes its own
concurrent creation harmless.

The files ship inside the package (`chat_service/migrations/`, read with importlib.resources,
so an installed wheel has them wherever it is installed); `MIGRATIONS_DIR` may name another
directory. Finding no file, or finding afterwards that a table the migrations create is
missing, is an error: a service started on such a keyspace could not prepare its statements.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

import structlog

from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.cql_script import ScriptError, split_statements
from chat_service.infra.settings import CassandraSettings

log = structlog.get_logger(__name__)

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cql$")
_TABLE_CHANGE = re.compile(
    r"^(CREATE|DROP) TABLE (?:IF (?:NOT )?EXISTS )?(?:\w+\.)?\"?(\w+)\"?", re.IGNORECASE
)
LEASE_TTL_S = 300
LEASE_WAIT_S = 600


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    checksum: str


def packaged_migrations() -> Traversable:
    return resources.files("chat_service.migrations")


def load_migrations(source: Traversable) -> list[Migration]:
    """The migrations in `source` (a directory or the package's), in version order."""
    try:
        entries = sorted(
            (entry for entry in source.iterdir() if entry.name.endswith(".cql")),
            key=lambda entry: entry.name,
        )
    except OSError as exc:
        raise MigrationError(f"cannot read the migrations in {source}: {exc}") from None
    if not entries:
        raise MigrationError(f"no migration files (NNNN_name.cql) in {source}")
    migrations = []
    for entry in entries:
        match = _FILE_NAME.match(entry.name)
        if not match:
            raise MigrationError(f"{entry.name}: expected NNNN_name.cql")
        text = entry.read_text(encoding="utf-8")
        try:
            statements = split_statements(text)
        except ScriptError as exc:
            raise MigrationError(f"{entry.name}: {exc}") from None
        migrations.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                statements=statements,
                checksum=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return migrations


def expected_tables(migrations: list[Migration]) -> set[str]:
    """The tables that exist once every migration has run (created and not dropped since)."""
    tables: set[str] = set()
    for migration in migrations:
        for statement in migration.statements:
            match = _TABLE_CHANGE.match(statement)
            if match and match.group(1).upper() == "CREATE":
                tables.add(match.group(2).lower())
            elif match:
                tables.discard(match.group(2).lower())
    return tables


async def migrate(settings: CassandraSettings) -> list[int]:
    """Create the keyspace and apply pending migrations; returns the versions applied now.
    Raises MigrationError when there is nothing to apply from, or a table is missing after."""
    migrations = load_migrations(settings.migrations_dir or packaged_migrations())
    keyspace = settings.cassandra_keyspace
    db = await CassandraSession.connect(settings, keyspace=None)
    try:
        await db.execute(
            f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = "
            + _cql_map(settings.replication)
        )
        await db.wait_for_schema_agreement()
        lease_id = uuid.uuid5(uuid.NAMESPACE_URL, f"cql://{keyspace}/schema_migrations_lease")
        await db.execute(
            f"CREATE TABLE IF NOT EXISTS {keyspace}.schema_migrations_lease "
            f"(name text PRIMARY KEY, owner uuid) WITH id = {lease_id}"
        )
        await db.wait_for_schema_agreement()
        async with _Lease(db, keyspace):
            applied = await _apply_pending(db, keyspace, migrations)
        await _require_tables(db, keyspace, expected_tables(migrations))
        return applied
    finally:
        await db.close()


async def _apply_pending(
    db: CassandraSession, keyspace: str, migrations: list[Migration]
) -> list[int]:
    await db.execute(
        f"CREATE TABLE IF NOT EXISTS {keyspace}.schema_migrations "
        "(version int PRIMARY KEY, name text, checksum text, applied_at timestamp)"
    )
    await db.wait_for_schema_agreement()
    rows = await db.execute(f"SELECT version, checksum FROM {keyspace}.schema_migrations")
    applied = {row.version: row.checksum for row in rows}
    done = []
    for migration in migrations:
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                log.warning("migration.changed_after_apply", version=migration.version)
            continue
        started = time.monotonic()
        await db.execute(f"USE {keyspace}")
        for statement in migration.statements:
            await db.execute(statement)
            await db.wait_for_schema_agreement()
        await db.execute(
            f"INSERT INTO {keyspace}.schema_migrations (version, name, checksum, applied_at) "
            "VALUES (%s, %s, %s, toTimestamp(now()))",
            (migration.version, migration.name, migration.checksum),
        )
        log.info(
            "migration.applied",
            version=migration.version,
            name=migration.name,
            seconds=round(time.monotonic() - started, 2),
        )
        done.append(migration.version)
    return done


async def _require_tables(db: CassandraSession, keyspace: str, expected: set[str]) -> None:
    rows = await db.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,)
    )
    missing = expected - {row.table_name for row in rows}
    if missing:
        raise MigrationError(
            f"keyspace {keyspace} lacks tables {', '.join(sorted(missing))} although "
            "schema_migrations lists their migrations as applied (dropped by hand?); "
            "the service could not prepare its statements"
        )


class _Lease:
    """A cluster-wide mutex held by a lightweight transaction, with a TTL against crashes."""

    def __init__(self, db: CassandraSession, keyspace: str) -> None:
        self._db = db
        self._table = f"{keyspace}.schema_migrations_lease"
        self._owner = uuid.uuid4()

    async def __aenter__(self) -> None:
        deadline = time.monotonic() + LEASE_WAIT_S
        while True:
            rows = await self._db.execute(
                f"INSERT INTO {self._table} (name, owner) VALUES ('migrate', %s) "
                f"IF NOT EXISTS USING TTL {LEASE_TTL_S}",
                (self._owner,),
            )
            if rows[0].applied:
                return
            if time.monotonic() >= deadline:
                raise MigrationError("another migration holds the lease; gave up waiting")
            log.info("migration.waiting_for_lease")
            await asyncio.sleep(1.0)

    async def __aexit__(self, *_: object) -> None:
        await self._db.execute(
            f"DELETE FROM {self._table} WHERE name = 'migrate' IF owner = %s", (self._owner,)
        )


def _cql_map(values: dict[str, str | int]) -> str:
    items = ", ".join(
        f"'{key}': {value}" if isinstance(value, int) else f"'{key}': '{value}'"
        for key, value in values.items()
    )
    return "{" + items + "}"
