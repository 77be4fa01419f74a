"""The outbound email form: every field of ``OutboundComponent`` (SMTP submission).

The inbound form with the smtps/smtp protocols, and a From address instead of the folder
and content settings.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult

from tui.app.widgets.mail_form import MailForm
from tui.core.models.outbound import OutboundComponent

SMTP_PROTOCOL_OPTIONS = [("smtps (implicit TLS, 465)", "smtps"), ("smtp (STARTTLS, 587)", "smtp")]


class OutboundForm(MailForm):
    """Edit (or create, with ``component=None``) an outbound email component."""

    KIND = "smtp"
    MODEL: Any = OutboundComponent
    PROTOCOLS = SMTP_PROTOCOL_OPTIONS
    TEXT_KEYS = ("name", "host", "port", "username", "from_address", "ca_file")
    SELECT_KEYS = ("protocol", "auth", "sasl", "token_ref")
    HOST_HINT = "smtp.example.com"

    def kind_fields(self, c: Any) -> ComposeResult:
        yield self._text("from_address", c.from_address if c else "", "the username")

    def kind_values(self, v: dict[str, Any]) -> dict[str, Any]:
        return {"from_address": v["from_address"].strip()}
