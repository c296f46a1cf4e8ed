"""The service's emails, from the `string.Template` files beside this module (plain text and
HTML), with links to the web client's pages under `PUBLIC_BASE_URL`."""

from __future__ import annotations

import html
from importlib import resources
from string import Template
from urllib.parse import quote

from chat_service.domain.models import OutgoingMail


def _load(name: str) -> Template:
    return Template(resources.files(__package__).joinpath("templates", name).read_text("utf-8"))


class MailTemplates:
    def __init__(self, public_base_url: str, verification_ttl_s: int, reset_ttl_s: int) -> None:
        self._base = public_base_url.rstrip("/")
        self._verification_hours = max(1, verification_ttl_s // 3600)
        self._reset_minutes = max(1, reset_ttl_s // 60)
        self._templates = {
            name: (_load(f"{name}.txt"), _load(f"{name}.html"))
            for name in ("verify_email", "reset_password")
        }

    def verification(self, username: str, email: str, token: str) -> OutgoingMail:
        link = f"{self._base}/#/verify-email?token={quote(token)}"
        return self._compose(
            "verify_email",
            email,
            "Confirm your email address",
            username=username,
            email=email,
            link=link,
            hours=str(self._verification_hours),
        )

    def password_reset(self, username: str, email: str, token: str) -> OutgoingMail:
        link = f"{self._base}/#/reset-password?token={quote(token)}"
        return self._compose(
            "reset_password",
            email,
            "Reset your password",
            username=username,
            link=link,
            minutes=str(self._reset_minutes),
        )

    def _compose(self, name: str, recipient: str, subject: str, **values: str) -> OutgoingMail:
        text, markup = self._templates[name]
        escaped = {key: html.escape(value) for key, value in values.items()}
        return OutgoingMail(recipient, subject, text.substitute(values), markup.substitute(escaped))
