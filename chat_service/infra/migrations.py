"""Numbered CQL migrations, applied once each and in order, safe to run from several processes.

Concurrent schema changes to one table from two coordinators can leave Cassandra with two
table ids for one name, so the runner serialises itself with a lease taken by a lightweight
transaction. The lease table itself is created with a fixed id, which makes its own
concurrent creation harmless.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import structlog

from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.settings import Settings

log = structlog.get_logger(__name__)

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cql$")
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


def split_statements(cql: str) -> tuple[str, ...]:
    """Split a CQL script on `;`, dropping `--` and `//` comment lines and blank statements."""
    lines = [line for line in cql.splitlines() if not line.strip().startswith(("--", "//"))]
    return tuple(" ".join(part.split()) for part in "\n".join(lines).split(";") if part.strip())


def load_migrations(directory: Path) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.cql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: expected NNNN_name.cql")
        text = path.read_text(encoding="utf-8")
        migrations.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                statements=split_statements(text),
                checksum=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return migrations


async def migrate(settings: Settings) -> list[int]:
    """Create the keyspace and apply pending migrations; returns the versions applied now."""
    migrations = load_migrations(settings.migrations_dir)
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
            return await _apply_pending(db, keyspace, migrations)
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
