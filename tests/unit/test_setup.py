"""`make run` installs only what running needs: the runtime lock, and Cassandra's jars (Java,
Maven) only when no Cassandra answers; `make test` installs the test tools."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tools import stack

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = (ROOT / "Makefile").read_text()


def _recipe(target: str) -> tuple[str, str]:
    """A target's prerequisites and its recipe lines."""
    match = re.search(rf"^{re.escape(target)}:(.*)\n((?:\t.*\n)*)", MAKEFILE, re.MULTILINE)
    assert match, target
    return match.group(1), match.group(2)


def test_make_run_installs_the_runtime_lock_only() -> None:
    prerequisites, recipe = _recipe("run")
    assert prerequisites.split() == ["$(VENV)/.installed-run"]
    assert "fetch" not in recipe and "ensure-packages" not in recipe
    _, install = _recipe("$(VENV)/.installed-run")
    assert "--require-hashes -r requirements.lock" in install
    assert "dev" not in install


def test_make_test_installs_the_test_tools() -> None:
    prerequisites, recipe = _recipe("test")
    assert "$(VENV)/.installed" in prerequisites.split()
    assert "tools/ensure-packages.sh" in recipe
    _, install = _recipe("$(VENV)/.installed")
    assert "--require-hashes -r requirements-dev.lock" in install


def test_a_cassandra_that_answers_needs_no_maven(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_maven() -> None:
        raise AssertionError("fetched Cassandra's jars although a Cassandra answers")

    monkeypatch.setattr(stack.localcassandra, "fetch", no_maven)
    monkeypatch.setattr(stack, "_answers", lambda host, port: True)
    assert stack._ensure_cassandra({}, stack.PROFILES["dev"]) is None


def test_no_cassandra_fetches_the_jars_before_starting_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(stack, "_answers", lambda host, port: False)
    monkeypatch.setattr(stack.localcassandra, "fetch", lambda: calls.append("fetch"))
    monkeypatch.setattr(
        stack.localcassandra, "start_cluster", lambda *a, **k: calls.append("start")
    )
    assert stack._ensure_cassandra({}, stack.PROFILES["dev"]) is not None
    assert calls == ["fetch", "start"]


def test_make_run_logs_for_people() -> None:
    assert stack.PROFILES["dev"].environment["LOG_FORMAT"] == "console"
    assert "LOG_FORMAT" not in stack.PROFILES["test"].environment
