"""The inbound email form: every field of ``MailComponent`` with its label and help.

The Access Token is a Select of the ``@variables`` the OAuth2 components offer. Password
and SASL mechanism show only for the authentication type that uses them.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Select

from tui.app.widgets.field import Field
from tui.app.widgets.forms import ComponentForm, int_field
from tui.app.widgets.secret_input import SecretInput
from tui.core.models.field_help import FIELD_HELP
from tui.core.models.mail import DEFAULT_PORTS, MailComponent

PROTOCOL_OPTIONS = [("imaps (implicit TLS)", "imaps"), ("imap (STARTTLS)", "imap")]
AUTH_OPTIONS = [("OAuth", "oauth"), ("Basic (password)", "password")]
SASL_OPTIONS = [("XOAUTH2", "xoauth2"), ("OAUTHBEARER", "oauthbearer")]
TEXT_KEYS = ("name", "host", "port", "username", "folder", "ca_file")


class MailForm(ComponentForm):
    """Edit (or create, with ``component=None``) an inbound email component."""

    KIND = "mail"

    def compose(self) -> ComposeResult:
        c = self.component if isinstance(self.component, MailComponent) else None
        variables = self.records.variables()
        if c and c.auth == "oauth" and c.token_ref not in variables:
            variables.append(c.token_ref)

        def text(key: str, value: str, placeholder: str = "") -> Field:
            return Field(key, Input(value, id=f"f-{key}", placeholder=placeholder, compact=True))

        def select(key: str, options: list[tuple[str, str]], value: Any) -> Field:
            widget: Select[str] = Select(
                options, value=value, allow_blank=False, id=f"f-{key}", compact=True
            )
            return Field(key, widget)

        auth = c.auth if c else "oauth"
        yield text("name", c.name if c else "", "e.g. Work mail")
        yield select("protocol", PROTOCOL_OPTIONS, c.protocol if c else "imaps")
        yield text("host", c.host if c else "", "imap.example.com")
        yield text("port", str(c.port) if c else str(DEFAULT_PORTS["imaps"]))
        yield select("auth", AUTH_OPTIONS, auth)
        yield text("username", c.username if c else "", "user@example.com")
        current = c.token_ref if c and c.auth == "oauth" else None
        token = Select(
            [(v, v) for v in variables],
            value=current or (variables[0] if variables else Select.NULL),
            prompt="no OAuth2 component yet",
            id="f-token_ref",
            compact=True,
        )
        token_field = Field("token_ref", token)
        token_field.display = auth == "oauth"
        yield token_field
        password = SecretInput(c.password if c else "", id="f-password", compact=True)
        pw_field = Field(
            "password",
            Horizontal(
                password,
                Button("Reveal", id="reveal-password", compact=True, tooltip="Show/hide"),
                classes="secret-row",
            ),
        )
        pw_field.display = auth == "password"
        yield pw_field
        sasl_field = select("sasl", SASL_OPTIONS, c.sasl if c else "xoauth2")
        sasl_field.display = auth == "oauth"
        yield sasl_field
        yield text("folder", c.folder if c else "INBOX")
        yield text("ca_file", c.ca_file if c else "", "system CAs")
        plain = Checkbox(
            "Allow plaintext login (loopback only)",
            c.allow_plaintext if c else False,
            id="f-allow_plaintext",
            compact=True,
        )
        yield Field("allow_plaintext", plain)

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            key: self.query_one(f"#f-{key}", Input).value for key in TEXT_KEYS
        }
        for key in ("protocol", "auth", "sasl", "token_ref"):
            values[key] = self.query_one(f"#f-{key}", Select).value
        values["password"] = self.query_one("#f-password", SecretInput).value
        values["allow_plaintext"] = self.query_one("#f-allow_plaintext", Checkbox).value
        return values

    def load(self, values: dict[str, Any]) -> None:
        for key in TEXT_KEYS:
            self.query_one(f"#f-{key}", Input).value = values[key]
        for key in ("protocol", "auth", "sasl", "token_ref"):
            self.query_one(f"#f-{key}", Select).value = values[key]
        self.query_one("#f-password", SecretInput).value = values["password"]
        self.query_one("#f-allow_plaintext", Checkbox).value = values["allow_plaintext"]
        self._apply_auth(values["auth"])

    def build(self) -> MailComponent:
        v = self.values()
        oauth = v["auth"] == "oauth"
        token_ref = v["token_ref"] if oauth and isinstance(v["token_ref"], str) else ""
        timeout = self.component.timeout if isinstance(self.component, MailComponent) else 30.0
        return MailComponent(
            name=v["name"].strip(),
            host=v["host"],
            protocol=v["protocol"],
            port=int_field(v["port"], "port", FIELD_HELP["port"][0]),
            username=v["username"].strip(),
            auth=v["auth"],
            token_ref=token_ref,
            password="" if oauth else v["password"],
            sasl=v["sasl"],
            folder=v["folder"].strip(),
            ca_file=v["ca_file"].strip(),
            timeout=timeout,
            allow_plaintext=v["allow_plaintext"],
        )

    def on_field_changed(self, key: str | None) -> None:
        if key == "auth":
            self._apply_auth(self.query_one("#f-auth", Select).value)
        elif key == "protocol":
            port = self.query_one("#f-port", Input)
            if port.value.strip() in ("", *map(str, DEFAULT_PORTS.values())):
                port.value = str(DEFAULT_PORTS[str(self.query_one("#f-protocol", Select).value)])

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._on_edit(event.checkbox)

    def _apply_auth(self, auth: Any) -> None:
        self.field("token_ref").display = auth == "oauth"
        self.field("sasl").display = auth == "oauth"
        self.field("password").display = auth == "password"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "reveal-password":
            event.stop()
            secret = self.query_one("#f-password", SecretInput)
            secret.reveal(not secret.revealed)
            event.button.label = "Hide" if secret.revealed else "Reveal"
