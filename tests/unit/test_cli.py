import subprocess
import sys


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
    result = run_cli("migrate", env={})
    assert result.returncode == 2
    assert "JWT_SECRET" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_help_lists_both_commands() -> None:
    result = run_cli("--help", env={})
    assert result.returncode == 0
    assert "serve" in result.stdout and "migrate" in result.stdout
