"""The token panel of an OAuth2 component in one environment, with live countdowns.

It reads only the ``TokenRecord`` and a clock: account, scopes granted, expires in, next
refresh, refresh-token age and health (``tui.core.oauth.health``), and the last error with its
next step. The clock is the app's
(injectable), so snapshots with a frozen clock are stable.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

from textual.content import Content
from textual.widgets import Static

from tui.app.context import tokendesk_app
from tui.app.next_step import advice_text
from tui.app.widgets.sidebar import badge
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.text import human_duration, relative, sanitize


def token_lines(
    comp: OAuthComponent, tok: TokenRecord | None, env: str, now: float, *, by_agent: bool = False
) -> list[tuple[str, Content | str]]:
    """The panel's (label, value) rows; values from the server are kept literal.

    ``by_agent``: a running agent refreshes this vault's tokens (the next refresh says so).
    """
    if tok is None or not (tok.access_token or tok.refresh_token):
        status = "needs authorization"
        rows: list[tuple[str, Content | str]] = [("Status", badge(status))]
        rows.append(("Next step", f"Authorize to get tokens for {env} (a)"))
        if tok is not None and tok.last_error:
            rows.insert(1, ("Last error", tok.last_error))
        return rows
    status = tok.status(comp.refresh_delay, now)
    rows = [("Status", badge(status))]
    rows.append(("Account", tok.account or "(not reported by the provider)"))
    rows.append(("Scopes granted", tok.scope or "(not reported)"))
    expires = tok.expires_in(now)
    if expires is None:
        rows.append(("Expires in", "unknown (the provider did not say)"))
    elif expires >= 0:
        rows.append(("Expires in", human_duration(expires)))
    else:
        rows.append(("Expires in", f"expired {human_duration(expires)} ago"))
    if tok.needs_reauthorization:
        rows.append(("Next refresh", "none: authorize again"))
    elif not tok.refresh_token:
        rows.append(("Next refresh", "none: the provider gave no refresh token"))
    elif expires is not None:
        due = expires - comp.refresh_delay
        when = "now" if due <= 0 else relative(due)
        rows.append(("Next refresh", f"{when}, by the agent" if by_agent else when))
    else:
        rows.append(("Next refresh", "when it is rejected"))
    issued = tok.refresh_token_rotated_at or tok.refresh_token_issued_at
    if tok.refresh_token and issued:
        rows.append(("Refresh token age", human_duration(now - issued)))
    if tok.refresh_token and not tok.needs_reauthorization:
        rows.append(("Health", health_text(comp, tok, env, now)))
    if tok.last_error:
        rows.append(("Last error", tok.last_error))
        step = advice_text(tok.last_error_advice, tok.next_step(comp.name, env))
        if step:
            rows.append(("Next step", step))
    elif tok.needs_reauthorization:
        rows.append(("Next step", "Authorize again (a)"))
    return rows


def health_text(comp: OAuthComponent, tok: TokenRecord, env: str, now: float) -> str:
    """The refresh token's health: level, the nearest cliff (or no known expiry), next key."""
    from tui.core.oauth.health import token_health

    health = token_health(comp, tok, now)
    tail = health.summary.split("; ", 1)[-1]
    step = health.next_step(comp.name, env)
    todo = advice_text(health.advice, step) if step is not None else ""
    return f"{health.level}: {tail}" + (f"; {todo}" if todo else "")


class TokenPanel(Static):
    """Shows ``token_lines`` as an aligned two-column block."""

    DEFAULT_CSS = """
    TokenPanel {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        border: round $primary 50%;
        border-title-color: $text-primary;
    }
    """

    def __init__(self, clock: Callable[[], float], **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)
        self._clock = clock
        self._comp: OAuthComponent | None = None
        self._tok: TokenRecord | None = None
        self._env = ""

    def on_mount(self) -> None:
        self.set_interval(1.0, self.redraw, name="token-countdown")

    def show(self, comp: OAuthComponent, tok: TokenRecord | None, env: str) -> None:
        """Show ``tok`` (the tokens of ``comp`` in ``env``)."""
        self._comp, self._tok, self._env = comp, tok, env
        self.border_title = f"Token · {env}"
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        if self._comp is None:
            return
        by_agent = tokendesk_app(self).agent_keeps_fresh
        rows = token_lines(self._comp, self._tok, self._env, self._clock(), by_agent=by_agent)
        width = max(len(label) for label, _ in rows) + 2
        room = max((self.content_region.width or 60) - width, 20)
        lines: list[Content] = []
        for label, value in rows:
            parts: list[Content | str]
            if isinstance(value, str):
                # Long values (scopes, errors) wrap under themselves, not under the label;
                # they may be a server's text (a stored last_error): sanitized first.
                value = sanitize(value)
                parts = list(textwrap.wrap(value, room, break_on_hyphens=False)) or [""]
            else:
                parts = [value]
            lines.append(Content.assemble(Content.styled(label.ljust(width), "$text-muted"),
                                          parts[0]))  # fmt: skip
            lines += [Content.assemble(" " * width, part) for part in parts[1:]]
        self.update(Content("\n").join(lines))
