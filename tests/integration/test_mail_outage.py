"""With the mail server down, a reset request still answers at once, and the mail arrives
once the server is back (a Mailpit of this test's own, on free ports, stopped and
restarted)."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chat_service.app import create_app
from chat_service.infra.settings import Settings
from tests.integration.api import API
from tests.integration.mailpit import token_in, wait_for_mail
from tests.integration.test_email_accounts import register_with_email, unique_address
from tools.local_mailpit import localmailpit


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def own_mailpit(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    smtp_port, http_port = _free_port(), _free_port()
    localmailpit.start_mailpit(smtp_port, http_port, tmp_path)
    yield smtp_port, http_port, tmp_path
    localmailpit.stop_mailpit(tmp_path, smtp_port)


async def test_a_reset_queued_while_the_mail_server_is_down_arrives_once_it_is_back(
    migrated: Settings, own_mailpit: tuple[int, int, Path]
) -> None:
    smtp_port, http_port, directory = own_mailpit
    mailpit = f"http://127.0.0.1:{http_port}"
    settings = migrated.model_copy(
        update={
            "smtp_port": smtp_port,
            # Its own queue: the suite's other service processes share this keyspace and
            # would send this test's mail to their own Mailpit.
            "mail_queue": f"outage-{uuid.uuid4().hex[:8]}",
            "mail_retry_base_s": 0.1,
            "mail_retry_max_s": 0.5,
        }
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        email = unique_address("outage")
        await register_with_email(client, email)
        await wait_for_mail(email, base=mailpit)  # delivered while the server is up

        localmailpit.stop_mailpit(directory, smtp_port)
        asked = await client.post(f"{API}/auth/password-reset", json={"email": email})
        assert asked.status == 202
        localmailpit.start_mailpit(smtp_port, http_port, directory)

        mails = await wait_for_mail(email, 2, base=mailpit)
        reset = next(m for m in mails if m["Subject"] == "Reset your password")
        assert token_in(reset, "reset")
