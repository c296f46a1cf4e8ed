from pathlib import Path

import pytest

from chat_service.infra.migrations import (
    MigrationError,
    load_migrations,
    split_statements,
)
from chat_service.infra.settings import DEFAULT_MIGRATIONS_DIR


def test_split_drops_comments_and_blank_statements() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (x int PRIMARY KEY);
    // another
    CREATE TABLE b (
        y int PRIMARY KEY
    );
    ;
    """
    assert split_statements(script) == (
        "CREATE TABLE a (x int PRIMARY KEY)",
        "CREATE TABLE b ( y int PRIMARY KEY )",
    )


def test_project_migrations_load_in_order() -> None:
    migrations = load_migrations(DEFAULT_MIGRATIONS_DIR)
    versions = [m.version for m in migrations]
    assert versions == sorted(versions) and versions[0] == 1
    assert all(m.statements for m in migrations)
    assert all("IF NOT EXISTS" in s for m in migrations for s in m.statements if "CREATE" in s)


def test_badly_named_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_init.cql").write_text("CREATE TABLE a (x int PRIMARY KEY);")
    with pytest.raises(MigrationError, match=r"NNNN_name\.cql"):
        load_migrations(tmp_path)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.cql").write_text("SELECT 1;")
    (tmp_path / "0001_b.cql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share a version"):
        load_migrations(tmp_path)
