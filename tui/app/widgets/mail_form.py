"""The inbound email form: every field of ``MailComponent`` with its label and help.

The Access Token is a Select of the ``@variables`` the OAuth2 components offer. Password
and SASL mechanism show only for the authentication type that uses them. The outbound
form (`tui.app.widgets.outbound_form`) is this form with other protocols and fields.
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

PROTOCOL_OPTIONS = [
    ("imaps (implicit TLS)", "imaps"),
    ("imap (STARTTLS)", "imap"),
    ("pop3s (implicit TLS)", "pop3s"),
    ("pop3 (STLS)", "pop3"),
]
CONTENT_OPTIONS = [
    ("Body and attachments", "both"),
    ("Body", "body"),
    ("Attachments", "attachments"),
]
AUTH_OPTIONS = [("OAuth", "oauth"), ("Basic (password)", "password")]
SASL_OPTIONS = [("XOAUTH2", "xoauth2"), ("OAUTHBEARER", "oauthbearer")]
TEXT_KEYS = ("name", "host", "port", "username", "folder", "ca_file")


class MailForm(ComponentForm):
    """Edit (or create, with ``component=None``) an inbound email component."""

    KIND = "mail"
    MODEL: Any = MailComponent
    PROTOCOLS = PROTOCOL_OPTIONS
    TEXT_KEYS: tuple[str, ...] = TEXT_KEYS
    SELECT_KEYS: tuple[str, ...] = ("protocol", "auth", "sasl", "token_ref", "content")
    HOST_HINT = "imap.example.com"

    def _select(self, key: str, options: list[tuple[str, str]], value: Any) -> Field:
        widget: Select[str] = Select(
            options, value=value, allow_blank=False, id=f"f-{key}", compact=True
        )
        return Field(key, widget)

    def _text(self, key: str, value: str, placeholder: str = "") -> Field:
        return Field(key, Input(value, id=f"f-{key}", placeholder=placeholder, compact=True))

    def kind_fields(self, c: Any) -> ComposeResult:
        """The fields only this kind has (inbound: folder and content)."""
        yield self._text("folder", c.folder if c else "INBOX")
        yield self._select("content", CONTENT_OPTIONS, c.content if c else "both")

    def kind_values(self, v: dict[str, Any]) -> dict[str, Any]:
        """This kind's model fields from the raw values."""
        return {"folder": v["folder"].strip(), "content": v["content"]}

    def compose(self) -> ComposeResult:
        c = self.component if isinstance(self.component, self.MODEL) else None
        variables = self.records.variables()
        if c and c.auth == "oauth" and c.token_ref not in variables:
            variables.append(c.token_ref)

        text, select = self._text, self._select
        auth = c.auth if c else "oauth"
        first = self.PROTOCOLS[0][1]
        yield text("name", c.name if c else "", "e.g. Work mail")
        yield select("protocol", self.PROTOCOLS, c.protocol if c else first)
        yield text("host", c.host if c else "", self.HOST_HINT)
        yield text("port", str(c.port) if c else str(DEFAULT_PORTS[first]))
        yield select("auth", AUTH_OPTIONS, auth)
        yield text("username", c.username if c else "", _username_hint(auth))
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
        yield from self.kind_fields(c)
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
            key: self.query_one(f"#f-{key}", Input).value for key in self.TEXT_KEYS
        }
        for key in self.SELECT_KEYS:
            values[key] = self.query_one(f"#f-{key}", Select).value
        values["password"] = self.query_one("#f-password", SecretInput).value
        values["allow_plaintext"] = self.query_one("#f-allow_plaintext", Checkbox).value
        return values

    def load(self, values: dict[str, Any]) -> None:
        for key in self.TEXT_KEYS:
            self.query_one(f"#f-{key}", Input).value = values[key]
        for key in self.SELECT_KEYS:
            self.query_one(f"#f-{key}", Select).value = values[key]
        self.query_one("#f-password", SecretInput).value = values["password"]
        self.query_one("#f-allow_plaintext", Checkbox).value = values["allow_plaintext"]
        self._apply_auth(values["auth"])

    def build(self) -> Any:
        v = self.values()
        oauth = v["auth"] == "oauth"
        token_ref = v["token_ref"] if oauth and isinstance(v["token_ref"], str) else ""
        timeout = self.component.timeout if isinstance(self.component, self.MODEL) else 30.0
        return self.MODEL(
            name=v["name"].strip(),
            host=v["host"],
            protocol=v["protocol"],
            port=int_field(v["port"], "port", FIELD_HELP["port"][0]),
            username=v["username"].strip(),
            auth=v["auth"],
            token_ref=token_ref,
            password="" if oauth else v["password"],
            sasl=v["sasl"],
            ca_file=v["ca_file"].strip(),
            timeout=timeout,
            allow_plaintext=v["allow_plaintext"],
            **self.kind_values(v),
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
        self.query_one("#f-username", Input).placeholder = _username_hint(auth)
        self.field("token_ref").display = auth == "oauth"
        self.field("sasl").display = auth == "oauth"
        self.field("password").display = auth == "password"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "reveal-password":
            event.stop()
            secret = self.query_one("#f-password", SecretInput)
            secret.reveal(not secret.revealed)
            event.button.label = "Hide" if secret.revealed else "Reveal"


def _username_hint(auth: Any) -> str:
    """The Username placeholder: with OAuth an empty one logs in as the token's account."""
    return "empty: the token's account" if auth == "oauth" else "user@example.com"
