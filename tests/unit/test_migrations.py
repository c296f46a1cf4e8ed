from pathlib import Path

import pytest

from chat_service.infra.cql_script import ScriptError, split_statements
from chat_service.infra.migrations import (
    MigrationError,
    expected_tables,
    load_migrations,
    packaged_migrations,
)


def test_split_drops_comments_and_blank_statements() -> None:
    script = """
    -- a comment; with a semicolon
    CREATE TABLE a (x int PRIMARY KEY);
    // another
    CREATE TABLE b (
        y int PRIMARY KEY  -- trailing; comment
    );
    /* a block; comment */ ;
    """
    assert split_statements(script) == (
        "CREATE TABLE a (x int PRIMARY KEY)",
        "CREATE TABLE b ( y int PRIMARY KEY )",
    )


def test_split_keeps_semicolons_and_spaces_inside_literals() -> None:
    script = (
        "INSERT INTO t (k, v) VALUES ('a;b', 'two  spaces\n and -- no comment');\n"
        "INSERT INTO t (k, v) VALUES ('it''s; fine', $$dollar; quoted  $$);\n"
        "CREATE TABLE \"Odd;Name\" (k text PRIMARY KEY) WITH comment = 'x // y';"
    )
    assert split_statements(script) == (
        "INSERT INTO t (k, v) VALUES ('a;b', 'two  spaces\n and -- no comment')",
        "INSERT INTO t (k, v) VALUES ('it''s; fine', $$dollar; quoted  $$)",
        "CREATE TABLE \"Odd;Name\" (k text PRIMARY KEY) WITH comment = 'x // y'",
    )


def test_split_keeps_a_last_statement_without_semicolon() -> None:
    assert split_statements("SELECT 1;\nSELECT 2") == ("SELECT 1", "SELECT 2")


@pytest.mark.parametrize("script", ["SELECT 'open;", 'SELECT "open', "/* open", "$$ open"])
def test_split_refuses_what_never_closes(script: str) -> None:
    with pytest.raises(ScriptError, match=r"line 1: .* is never closed"):
        split_statements(script)


def test_project_migrations_ship_in_the_package_and_load_in_order() -> None:
    migrations = load_migrations(packaged_migrations())
    versions = [m.version for m in migrations]
    assert versions == sorted(versions) and versions[0] == 1
    assert all(m.statements for m in migrations)
    assert all("IF NOT EXISTS" in s for m in migrations for s in m.statements if "CREATE" in s)
    assert {"users", "messages_by_user", "conversations"} <= expected_tables(migrations)


def test_expected_tables_follow_creates_and_drops(tmp_path: Path) -> None:
    (tmp_path / "0001_a.cql").write_text("CREATE TABLE IF NOT EXISTS a (x int PRIMARY KEY);")
    (tmp_path / "0002_b.cql").write_text(
        'CREATE TABLE ks."B" (x int PRIMARY KEY); DROP TABLE IF EXISTS a;'
    )
    assert expected_tables(load_migrations(tmp_path)) == {"b"}


def test_an_empty_directory_is_an_error_not_nothing_to_do(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="no migration files"):
        load_migrations(tmp_path)


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match="cannot read"):
        load_migrations(tmp_path / "absent")


def test_an_unterminated_literal_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "0001_a.cql").write_text("INSERT INTO a (x) VALUES ('open);")
    with pytest.raises(MigrationError, match=r"0001_a\.cql: line 1"):
        load_migrations(tmp_path)


def test_badly_named_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "1_init.cql").write_text("CREATE TABLE a (x int PRIMARY KEY);")
    with pytest.raises(MigrationError, match=r"NNNN_name\.cql"):
        load_migrations(tmp_path)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_a.cql").write_text("SELECT 1;")
    (tmp_path / "0001_b.cql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="share a version"):
        load_migrations(tmp_path)
