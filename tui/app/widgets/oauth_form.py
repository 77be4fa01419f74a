"""The OAuth2 credential form: every field of ``OAuthComponent`` with its label and help.

Choosing the Microsoft or Google preset fills the endpoint fields from the model and locks
them (Microsoft also shows the tenant). A custom component's Discover button reads the
issuer's metadata (``tui.core.oauth.discovery``, in a worker) and fills the endpoints. The
client secret is a ``SecretInput`` with an explicit Reveal toggle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Select, TextArea

from tui.app.widgets.field import Field
from tui.app.widgets.forms import ComponentForm, int_field
from tui.app.widgets.secret_input import SecretInput
from tui.core.errors import ValidationError
from tui.core.models.field_help import FIELD_HELP
from tui.core.models.oauth import AUTH_METHODS, DEFAULT_REFRESH_DELAY, OAuthComponent

TYPE_OPTIONS = [("Custom", "custom"), ("Microsoft", "microsoft"), ("Google", "google")]
AUTH_OPTIONS = [
    ("POST body (client_secret_post)", "client_secret_post"),
    ("HTTP Basic (client_secret_basic)", "client_secret_basic"),
    ("None (public client)", "none"),
]
URL_KEYS = (
    "authorization_url",
    "token_url",
    "device_authorization_url",
    "revocation_url",
    "introspection_url",
)
TEXT_KEYS = ("name", "tenant", "issuer", *URL_KEYS, "client_id", "scope", "variable")


def _secret_help(kind: str) -> str:
    """The Client secret help: Google's token endpoint wants the desktop-app secret."""
    if kind == "google":
        return (
            "Google wants it too: the secret shown next to the client id in the Google "
            "Cloud console"
        )
    return FIELD_HELP["client_secret"][1]


def preset(kind: str, tenant: str) -> OAuthComponent | None:
    """The endpoints and default scope a preset fills in (None for custom or a bad tenant)."""
    if kind == "custom":
        return None
    try:
        return OAuthComponent(name="preset", type=kind, tenant=tenant, client_id="preset")  # type: ignore[arg-type]
    except ValidationError:
        return None


def parse_params(text: str) -> tuple[tuple[str, str], ...]:
    """``key=value`` lines (blank lines ignored) -> pairs; raise ValidationError otherwise."""
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationError(
                f"line {number} of Extra parameters is not key=value: {line!r}",
                field="extra_params",
            )
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


class OAuthForm(ComponentForm):
    """Edit (or create, with ``component=None``) an OAuth2 credential component."""

    KIND = "oauth"

    @dataclass
    class Discovered(Message):
        """Discovery ended: ``fields`` to fill, or ``error`` (one line)."""

        fields: dict[str, str]
        missing: list[str]
        error: str

    def compose(self) -> ComposeResult:
        c = self.component if isinstance(self.component, OAuthComponent) else None
        kind = c.type if c else "custom"

        def text(key: str, value: str, placeholder: str = "") -> Field:
            control = Input(value, id=f"f-{key}", placeholder=placeholder, compact=True)
            return Field(key, control)

        yield text("name", c.name if c else "", "e.g. Microsoft365")
        yield Field(
            "type",
            Select(TYPE_OPTIONS, value=kind, allow_blank=False, id="f-type", compact=True),
        )
        tenant = text("tenant", c.tenant if c else "common", "common")
        tenant.display = kind == "microsoft"
        yield tenant
        issuer = Input(c.issuer if c else "", id="f-issuer", placeholder="https://", compact=True)
        issuer.disabled = kind != "custom"
        discover = Button(
            "Discover",
            id="discover",
            compact=True,
            tooltip="Read the endpoints from the issuer's metadata",
        )
        discover.disabled = kind != "custom"
        yield Field("issuer", Horizontal(issuer, discover, classes="issuer-row"))
        for key in URL_KEYS:
            field = text(key, getattr(c, key) if c else "", "https://")
            field.control.disabled = kind != "custom"
            yield field
        yield text("client_id", c.client_id if c else "")
        secret = SecretInput(c.client_secret if c else "", id="f-client_secret", compact=True)
        yield Field(
            "client_secret",
            help=_secret_help(kind),
            control=Horizontal(
                secret,
                Button("Reveal", id="reveal-secret", compact=True, tooltip="Show/hide the secret"),
                classes="secret-row",
            ),
        )
        yield Field(
            "auth_method",
            Select(
                AUTH_OPTIONS,
                value=c.auth_method if c else AUTH_METHODS[0],
                allow_blank=False,
                id="f-auth_method",
                compact=True,
            ),
        )
        yield text("scope", c.scope if c else "", "space-separated scopes")
        yield text("refresh_delay", str(c.refresh_delay if c else DEFAULT_REFRESH_DELAY))
        yield text("variable", c.variable if c else "", "defaults to the name")
        yield text("redirect_port", str(c.redirect_port) if c else "0", "0 = automatic")
        params = "\n".join(f"{k}={v}" for k, v in c.extra_params) if c else ""
        area = TextArea(params, id="f-extra_params", compact=True, soft_wrap=False)
        yield Field("extra_params", area)

    # ------------------------------------------------------------------ values
    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            key: self.query_one(f"#f-{key}", Input).value
            for key in (*TEXT_KEYS, "refresh_delay", "redirect_port")
        }
        values["client_secret"] = self.query_one("#f-client_secret", SecretInput).value
        values["type"] = self.query_one("#f-type", Select).value
        values["auth_method"] = self.query_one("#f-auth_method", Select).value
        values["extra_params"] = self.query_one("#f-extra_params", TextArea).text
        return values

    def load(self, values: dict[str, Any]) -> None:
        for key in (*TEXT_KEYS, "refresh_delay", "redirect_port"):
            self.query_one(f"#f-{key}", Input).value = values[key]
        self.query_one("#f-client_secret", SecretInput).value = values["client_secret"]
        self.query_one("#f-type", Select).value = values["type"]
        self.query_one("#f-auth_method", Select).value = values["auth_method"]
        self.query_one("#f-extra_params", TextArea).text = values["extra_params"]
        self._apply_type(values["type"], fill=False)

    def build(self) -> OAuthComponent:
        v = self.values()
        label = FIELD_HELP["refresh_delay"][0]
        delay = int_field(v["refresh_delay"], "refresh_delay", label, empty=DEFAULT_REFRESH_DELAY)
        port = int_field(v["redirect_port"], "redirect_port", FIELD_HELP["redirect_port"][0])
        return OAuthComponent(
            name=v["name"].strip(),
            type=v["type"],
            tenant=v["tenant"].strip(),
            authorization_url=v["authorization_url"].strip(),
            token_url=v["token_url"].strip(),
            device_authorization_url=v["device_authorization_url"].strip(),
            issuer=v["issuer"].strip(),
            revocation_url=v["revocation_url"].strip(),
            introspection_url=v["introspection_url"].strip(),
            client_id=v["client_id"].strip(),
            client_secret=v["client_secret"],
            auth_method=v["auth_method"],
            scope=v["scope"],
            refresh_delay=delay,
            variable=v["variable"].strip(),
            redirect_port=port,
            extra_params=parse_params(v["extra_params"]),
        )

    # ------------------------------------------------------------------ presets
    def on_field_changed(self, key: str | None) -> None:
        if key == "type":
            self._apply_type(self.query_one("#f-type", Select).value, fill=True)
        elif key == "tenant" and self.query_one("#f-type", Select).value == "microsoft":
            self._apply_type("microsoft", fill=True)

    def _apply_type(self, kind: Any, *, fill: bool) -> None:
        self.field("tenant").display = kind == "microsoft"
        self.field("client_secret").set_help(_secret_help(str(kind)))
        for key in (*URL_KEYS, "issuer"):
            self.query_one(f"#f-{key}", Input).disabled = kind != "custom"
        self.query_one("#discover", Button).disabled = kind != "custom"
        tenant = self.query_one("#f-tenant", Input).value.strip() or "common"
        filled = preset(str(kind), tenant)
        if not fill or filled is None:
            return
        for key in (*URL_KEYS, "issuer"):
            self.query_one(f"#f-{key}", Input).value = getattr(filled, key)
        scope = self.query_one("#f-scope", Input)
        defaults = {p.scope for k in ("microsoft", "google") if (p := preset(k, "common"))}
        if not scope.value.strip() or scope.value in defaults:
            scope.value = filled.scope

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "discover":
            event.stop()
            issuer = self.query_one("#f-issuer", Input).value.strip()
            if not issuer:
                self.field("issuer").set_error("Type the issuer URL first")
                return
            self.field("issuer").set_error(None)
            event.button.disabled = True
            self.notify(f"Reading the metadata of {issuer}…", markup=False)
            self._discover(issuer)
        elif event.button.id == "reveal-secret":
            event.stop()
            secret = self.query_one("#f-client_secret", SecretInput)
            secret.reveal(not secret.revealed)
            event.button.label = "Hide" if secret.revealed else "Reveal"

    # ------------------------------------------------------------------ discovery
    @work(
        thread=True, exclusive=True, exit_on_error=False, group="discover", description="discover"
    )
    def _discover(self, issuer: str) -> None:
        from tui.app.errors import failure_text
        from tui.core.oauth.discovery import discover

        try:
            found = discover(issuer)
        except Exception as exc:  # noqa: BLE001 - shown at the field
            self.post_message(self.Discovered({}, [], failure_text(exc)))
            return
        self.post_message(self.Discovered(found.component_fields(), found.missing, ""))

    @on(Discovered)
    def _discovered(self, message: Discovered) -> None:
        self.query_one("#discover", Button).disabled = False
        if message.error:
            self.field("issuer").set_error(message.error)
            self.notify(f"Discovery failed: {message.error}", severity="error", markup=False)
            return
        for key, value in message.fields.items():
            self.query_one(f"#f-{key}", Input).value = value
        labels = [FIELD_HELP[key][0] for key in message.missing]
        note = f" Not offered: {', '.join(labels)}." if labels else ""
        self.notify(
            f"Endpoints filled from the provider's metadata; save to keep them.{note}", markup=False
        )
