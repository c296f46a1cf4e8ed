"""`chat-service migrate` as operators run it: twice, and from two processes at once, with
no JWT_SECRET in production (it reads only the Cassandra settings); and failing loudly
when it has nothing to apply from or the schema lacks a table."""

import asyncio
import os
import sys
from pathlib import Path

from chat_service.infra.cassandra import CassandraSession
from chat_service.infra.migrations import load_migrations, packaged_migrations
from chat_service.infra.settings import Settings


def _keyspace(settings: Settings) -> str:
    """Beside the suite's own keyspace, so that parallel suites never share it."""
    return f"{settings.cassandra_keyspace}_migrate"


async def _migrate_process(settings: Settings, **extra: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "APP_ENV": "production",
        "JWT_SECRET": "",
        "CASSANDRA_CONTACT_POINTS": ",".join(settings.cassandra_contact_points),
        "CASSANDRA_PORT": str(settings.cassandra_port),
        "CASSANDRA_KEYSPACE": _keyspace(settings),
        "LOG_FORMAT": "json",
        **extra,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chat_service", "migrate",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode()


async def test_concurrent_then_repeated_migrations_apply_each_file_once(
    migrated: Settings,
) -> None:
    keyspace = _keyspace(migrated)
    db = await CassandraSession.connect(migrated, keyspace=None)
    try:
        await db.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        first, second = await asyncio.gather(_migrate_process(migrated), _migrate_process(migrated))
        assert first[0] == 0 and second[0] == 0, first[1] + second[1]
        again = await _migrate_process(migrated)
        assert again == (0, again[1]) and "none pending" in again[1]
        rows = await db.execute(f"SELECT version FROM {keyspace}.schema_migrations")
        tables = await db.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = %s", (keyspace,)
        )
    finally:
        await db.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        await db.close()
    expected = [m.version for m in load_migrations(packaged_migrations())]
    assert sorted(row.version for row in rows) == expected
    assert {"users", "messages_by_conversation"} <= {row.table_name for row in tables}


async def test_no_migration_files_fails_instead_of_doing_nothing(
    migrated: Settings, tmp_path: Path
) -> None:
    code, output = await _migrate_process(migrated, MIGRATIONS_DIR=str(tmp_path))
    assert code == 1
    assert f"no migration files (NNNN_name.cql) in {tmp_path}" in output


async def test_a_table_missing_after_migrating_fails(migrated: Settings) -> None:
    keyspace = _keyspace(migrated)
    db = await CassandraSession.connect(migrated, keyspace=None)
    try:
        await db.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        assert (await _migrate_process(migrated))[0] == 0
        await db.execute(f"DROP TABLE {keyspace}.users_by_id")
        await db.wait_for_schema_agreement()
        code, output = await _migrate_process(migrated)
    finally:
        await db.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
        await db.close()
    assert code == 1
    assert f"keyspace {keyspace} lacks tables users_by_id" in output
