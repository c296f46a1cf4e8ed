"""Registration with an address, on fakes: required when verification is, 409 when the
address is taken, and a verification email that cannot be queued does not undo the
account."""

from __future__ import annotations

import pytest

from chat_service.domain.errors import Conflict, InvalidInput, StoreUnavailable
from chat_service.domain.models import Registration, User, UserCredentials
from chat_service.services.accounts import AccountService
from chat_service.services.passwords import PasswordHasher


class Accounts:
    def __init__(self, outcome: Registration) -> None:
        self.outcome = outcome
        self.stored: list[User] = []

    async def insert(self, credentials: UserCredentials) -> Registration:
        self.stored.append(credentials.user)
        return self.outcome


class Verification:
    def __init__(self, fails: bool = False) -> None:
        self.fails = fails
        self.sent: list[User] = []

    async def send_verification(self, user: User) -> None:
        if self.fails:
            raise StoreUnavailable("Cassandra is unavailable")
        self.sent.append(user)


def _service(
    accounts: Accounts, verification: Verification, *, required: bool = False
) -> AccountService:
    return AccountService(
        accounts,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        PasswordHasher(cost=4),
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        refresh_ttl_s=0,
        clock_ns=lambda: 0,
        sessions=None,  # type: ignore[arg-type]
        verification=verification,
        require_verification=required,
    )


async def test_an_address_is_required_when_verification_is() -> None:
    accounts = Accounts(Registration.CREATED)
    with pytest.raises(InvalidInput) as refused:
        await _service(accounts, Verification(), required=True).register("ann", "password1")
    assert "email" in refused.value.details
    assert accounts.stored == []


async def test_a_taken_address_is_409_email_taken_and_sends_nothing() -> None:
    verification = Verification()
    service = _service(Accounts(Registration.EMAIL_TAKEN), verification)
    with pytest.raises(Conflict) as refused:
        await service.register("ann", "password1", "ann@example.com")
    assert refused.value.code == "email_taken"
    assert verification.sent == []


async def test_the_new_account_is_sent_its_verification_email() -> None:
    verification = Verification()
    user = await _service(Accounts(Registration.CREATED), verification).register(
        "ann", "password1", "ann@example.com"
    )
    assert verification.sent == [user] and user.email == "ann@example.com"


async def test_a_verification_email_that_cannot_be_queued_keeps_the_account() -> None:
    accounts = Accounts(Registration.CREATED)
    user = await _service(accounts, Verification(fails=True)).register(
        "ann", "password1", "ann@example.com"
    )
    assert accounts.stored == [user]
