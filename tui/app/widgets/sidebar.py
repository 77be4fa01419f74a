"""The component sidebar: OAuth2 credentials and inbound email, each with a status badge.

The badge is the token status in the current environment (fresh / expiring / expired /
needs authorization / error). An inbound email component shows the status of the token it
uses, or "password". Names are user text, so prompts are built from ``Content`` (literal).
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.app.keys import SIDEBAR_BINDINGS
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent
from tui.core.models.outbound import OutboundComponent
from tui.core.records import Records

BADGES: dict[str, tuple[str, str, str]] = {
    # status: (symbol, short label, style)
    "fresh": ("●", "fresh", "$text-success"),
    "expiring": ("◐", "expiring", "$text-warning"),
    "expired": ("○", "expired", "$text-warning"),
    "needs authorization": ("○", "needs auth", "$text-muted"),
    "error": ("✗", "error", "$text-error"),
    "password": ("●", "password", "$text-secondary"),
    "unknown": ("?", "no token", "$text-error"),
}

MUTED = "$text-muted"
OAUTH_HEADER = "OAuth2 credentials"
MAIL_HEADER = "Inbound email"
OUTBOUND_HEADER = "Outbound email"


def oauth_status(records: Records, env: str, comp: OAuthComponent, now: float) -> str:
    """The badge status of an OAuth2 component in ``env``."""
    tok = records.tokens.get(env, {}).get(comp.name)
    return "needs authorization" if tok is None else tok.status(comp.refresh_delay, now)


def mail_status(
    records: Records, env: str, comp: MailComponent | OutboundComponent, now: float
) -> str:
    """The badge status of an inbound email component: that of its token, or ``password``."""
    if comp.auth != "oauth":
        return "password"
    for oauth in records.oauth_components():
        if oauth.variable == comp.variable:
            return oauth_status(records, env, oauth, now)
    return "unknown"


def token_of(records: Records, comp: MailComponent) -> str | None:
    """The OAuth2 component whose token ``comp`` uses (None: a password)."""
    if comp.auth != "oauth":
        return None
    for oauth in records.oauth_components():
        if oauth.variable == comp.variable:
            return oauth.name
    return None


def other_environments(records: Records, env: str, name: str, now: float) -> list[tuple[str, str]]:
    """(environment, status) of ``name``'s tokens in the environments other than ``env``."""
    out = []
    comp = records.components.get(name)
    for other in records.environments:
        tok = records.tokens.get(other, {}).get(name)
        if other != env and tok is not None and isinstance(comp, OAuthComponent):
            out.append((other, tok.status(comp.refresh_delay, now)))
    return out


def badge(status: str) -> Content:
    """The coloured badge text of a status."""
    symbol, label, style = BADGES.get(status, BADGES["error"])
    return Content.styled(f"{symbol} {label}", style)


class ComponentList(OptionList):
    """The sidebar list; option ids are ``component:<name>``; group headers are disabled."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="sidebar.down", tooltip="Next item"),
        Binding("k", "cursor_up", "Up", show=False, id="sidebar.up", tooltip="Previous item"),
        *SIDEBAR_BINDINGS,
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[Records, str, float] | None = None
        self.statuses: dict[str, str] = {}
        """Component name -> badge status, as last drawn (tests and the token panel read it)."""

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show_records(*self._shown, select_first=self.selected_name is not None)

    def _row_width(self) -> int:
        """Cells for a row: the content width (the scrollbar's gutter is always kept)."""
        width = self.scrollable_content_region.width
        if width <= 0:
            # Before the first layout: the configured width less border and gutter.
            width = int(self.styles.width.value if self.styles.width else 30) - 3
        return width

    @staticmethod
    def option_id(name: str) -> str:
        return f"component:{name}"

    @property
    def selected_name(self) -> str | None:
        """The highlighted component's name, or None."""
        option = self.highlighted_option
        if option is None or not option.id or not option.id.startswith("component:"):
            return None
        return option.id.removeprefix("component:")

    def show_records(
        self, records: Records, env: str, now: float, *, select_first: bool = True
    ) -> None:
        """Rebuild the list from ``records`` for ``env``, keeping the highlighted component.

        With nothing highlighted, the first component gets the highlight only when
        ``select_first`` (not while a new, unsaved component is being edited).
        """
        keep = self.selected_name
        self._shown = (records, env, now)
        width = self._row_width()
        options: list[Option] = []
        self.statuses = {}

        def row(name: str, status: str, token_of: str | None = None) -> Option:
            self.statuses[name] = status
            tag = badge(status)
            room = max(width - tag.cell_length - 3, 6)
            label = Content(name).truncate(room, ellipsis=True)
            pad = max(width - label.cell_length - tag.cell_length - 2, 1)
            prompt = Content.assemble(" ", label, " " * pad, tag)
            others = other_environments(records, env, token_of, now) if token_of else []
            if others:
                # The background refresh keeps every environment fresh: show each one.
                marks = [Content.assemble(e, " ", Content.styled(BADGES[st][0], BADGES[st][2]))
                         for e, st in others]  # fmt: skip
                line = Content.assemble("   ", Content("  ").join(marks))
                prompt = Content.assemble(prompt, "\n", line.truncate(width, ellipsis=True))
            return Option(prompt, id=self.option_id(name))

        options.append(Option(Content.styled(OAUTH_HEADER, "bold $text-primary"), disabled=True))
        oauth = records.oauth_components()
        for comp in oauth:
            options.append(row(comp.name, oauth_status(records, env, comp, now), comp.name))
        if not oauth:
            options.append(Option(Content.styled("  none yet: press n", MUTED), disabled=True))
        options.append(Option(Content.styled(MAIL_HEADER, "bold $text-primary"), disabled=True))
        mail = records.mail_components()
        for mail_comp in mail:
            options.append(
                row(
                    mail_comp.name,
                    mail_status(records, env, mail_comp, now),
                    token_of(records, mail_comp),
                )
            )
        if not mail:
            options.append(Option(Content.styled("  none yet: press m", MUTED), disabled=True))
        outbound = records.outbound_components()
        if outbound:  # the group shows once there is one (M adds one)
            options.append(
                Option(Content.styled(OUTBOUND_HEADER, "bold $text-primary"), disabled=True)
            )
            for out in outbound:
                options.append(row(out.name, mail_status(records, env, out, now)))
        self.set_options(options)
        if keep is not None and keep in records.components:
            self.select_name(keep)
        elif select_first and (oauth or mail):
            self.select_name((oauth or mail)[0].name)

    def select_name(self, name: str) -> None:
        """Highlight component ``name`` (no-op when it is not listed)."""
        try:
            self.highlighted = self.get_option_index(self.option_id(name))
        except Exception:  # noqa: BLE001 - OptionDoesNotExist: the list changed meanwhile
            pass
