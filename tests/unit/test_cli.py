import subprocess
import sys
from importlib.metadata import version


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chat_service", *args],
        capture_output=True, text=True, env=env, timeout=60, cwd="/",
    )  # fmt: skip


def test_invalid_setting_stops_start_up_with_one_line() -> None:
    result = run_cli("serve", env={"APP_ENV": "development", "HTTP_PORT": "eighty"})
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2
    assert len(lines) == 1 and lines[0].startswith("chat-service: invalid setting HTTP_PORT:")


def test_missing_secret_in_production_names_it() -> None:
    result = run_cli("serve", env={})
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_migrate_reads_only_the_cassandra_settings() -> None:
    """No JWT_SECRET in production, and a bad serve-only setting, do not stop migrate; a bad
    Cassandra setting does, before any connection is tried."""
    env = {"APP_ENV": "production", "HTTP_PORT": "eighty", "CASSANDRA_PORT": "ninety"}
    result = run_cli("migrate", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "chat-service: invalid setting CASSANDRA_PORT: " + (
        "Input should be a valid integer, unable to parse string as an integer"
    )


def test_version_is_the_installed_one() -> None:
    result = run_cli("--version", env={})
    assert result.returncode == 0
    assert result.stdout.strip() == f"chat-service {version('chat-service')}"


def test_help_lists_both_commands_and_points_at_the_settings() -> None:
    result = run_cli("--help", env={})
    assert result.returncode == 0
    assert "serve" in result.stdout and "migrate" in result.stdout
    assert ".env.example" in result.stdout
