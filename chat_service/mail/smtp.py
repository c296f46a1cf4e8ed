"""Sending one message over SMTP with aiosmtplib: plain or implicit TLS, or STARTTLS, with
optional credentials, each attempt bounded by a timeout."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

import aiosmtplib

from chat_service.domain.models import OutgoingMail

TlsMode = Literal["none", "starttls", "tls"]


class MailNotSent(Exception):
    """The mail server refused the message or could not be reached; worth retrying."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: TlsMode
    username: str | None
    password: str | None
    sender: str
    timeout_s: float


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send(self, mail: OutgoingMail) -> None:
        settings = self._settings
        message = EmailMessage()
        message["From"] = settings.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        message.add_alternative(mail.html, subtype="html")
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.host,
                port=settings.port,
                use_tls=settings.tls == "tls",
                start_tls=settings.tls == "starttls",
                username=settings.username,
                password=settings.password,
                timeout=settings.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailNotSent(f"{type(exc).__name__}: {exc}") from exc
