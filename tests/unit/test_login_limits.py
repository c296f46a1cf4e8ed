"""Login failures are counted per account name, and only for names an account could have."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import Unauthenticated
from chat_service.services.accounts import AccountService
from tests.unit.fakes.stores import FakeUsers


class CountingLimits:
    def __init__(self) -> None:
        self.checked: list[str] = []
        self.failed: list[str] = []

    async def check_login(self, username: str) -> None:
        self.checked.append(username)

    async def login_failed(self, username: str) -> None:
        self.failed.append(username)


class NeverMatches:
    """The hasher's answer for a wrong password, at no cost."""

    async def verify(self, password: str, hashed: bytes | None) -> bool:
        return False


def _accounts(limits: CountingLimits) -> AccountService:
    return AccountService(
        FakeUsers("ann"),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        NeverMatches(),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        limits,  # type: ignore[arg-type]
        refresh_ttl_s=0,
        clock_ns=lambda: 0,
        sessions=None,  # type: ignore[arg-type]
        verification=None,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", ["x" * 5000, "émile", "sp ace", "ab"])
async def test_a_name_no_account_can_have_is_refused_and_not_counted(name: str) -> None:
    limits = CountingLimits()
    with pytest.raises(Unauthenticated):
        await _accounts(limits).login(name, "password")
    assert limits.checked == limits.failed == []


async def test_a_failure_for_a_possible_name_is_counted_under_its_lowercase() -> None:
    limits = CountingLimits()
    with pytest.raises(Unauthenticated):
        await _accounts(limits).login("Ghost", "password")
    assert limits.checked == limits.failed == ["ghost"]
