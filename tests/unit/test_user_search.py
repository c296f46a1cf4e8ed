"""The user search pages by an opaque cursor: every match once, in name order."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import InvalidInput
from chat_service.services.accounts import AccountService
from tests.unit.fakes.stores import FakeUsers


def _accounts(*usernames: str) -> AccountService:
    return AccountService(
        FakeUsers(*usernames),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        refresh_ttl_s=0,
        clock_ns=lambda: 0,
        sessions=None,  # type: ignore[arg-type]
        verification=None,  # type: ignore[arg-type]
    )


async def test_search_pages_cover_every_match_once_by_an_opaque_cursor() -> None:
    names = [f"sam{i:02d}" for i in range(7)]
    accounts = _accounts(*names, "other", "samuel.x")
    seen, cursor = [], None
    while True:
        page, cursor = await accounts.search("SAM", 3, cursor)
        seen += [name for _, name in page]
        if cursor is None:
            break
        assert not any(name in cursor for name in names)
    assert seen == sorted([*names, "samuel.x"])


@pytest.mark.parametrize("cursor", ["sam03", "@@", "c2FtMDM=x", "fHx8"])
async def test_a_cursor_the_search_did_not_give_out_is_400(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await _accounts("sam01").search("sam", 3, cursor)
    assert refused.value.details == {"cursor": "invalid"}
