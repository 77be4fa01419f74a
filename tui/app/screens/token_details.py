"""Token details: what the token of an OAuth2 component grants, and what is wrong with it.

The same report as ``tokendesk inspect`` (``tui.core.oauth.inspect.report_rows``): account,
issuer, audience, granted scopes, times, refresh-token age and rotations, health, and the
findings with their likely fix. Never a token. When the component has an introspection
endpoint, the provider is asked in a worker and the view is redrawn with its answer.
Every value from the provider is shown literally (markup off).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Label, Static

from tui.app.context import AppModal
from tui.app.next_step import advice_text
from tui.core.oauth.inspect import TokenReport


def details_text(report: TokenReport, now: float, columns: int = 0) -> str:
    """The report as aligned plain-text lines (plus next step and findings).

    With ``columns``, a value too long for them wraps under its own column (a finding's
    text under its first word) instead of at the left edge.
    """
    from tui.core.oauth.inspect import report_rows

    rows = report_rows(report, now)
    width = max(len(label) for label, _ in rows) + 2
    lines = [_hang(f"{label + ':':<{width}} ", value, columns) for label, value in rows]
    health = report.health
    step = health.next_step(report.component, report.environment) if health else None
    if health is not None and step is not None and health.level != "not authorized":
        lines.append(_hang(f"{'':<{width}} next: ", advice_text(health.advice, step), columns))
    for finding in report.findings:
        lines += [
            "",
            _hang("⚠ ", finding.message, columns),
            _hang("  fix: ", finding.hint, columns),
        ]
    return "\n".join(lines)


def _hang(lead: str, text: str, columns: int) -> str:
    """``lead`` + ``text``, wrapped to ``columns`` with the rest indented as far as ``lead``."""
    if not columns or len(lead) + len(text) <= columns:
        return lead + text
    indent = " " * len(lead)
    wrapped = textwrap.wrap(text, max(columns - len(lead), 20), break_on_hyphens=False)
    return lead + ("\n" + indent).join(wrapped)


class TokenDetailsScreen(AppModal[None]):
    """The token report of one component in one environment; Esc closes."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="details.close", tooltip="Close the details"),
    ]

    @dataclass
    class Introspected(Message):
        """The provider answered the introspection request (``error``: it failed)."""

        answer: dict[str, object] | None
        error: str

    def __init__(self, name: str, env: str) -> None:
        super().__init__(classes="dialog")
        self._component, self._env = name, env
        self._report: tuple[TokenReport, float] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="token-details"):
            yield Label(
                f"Token details · {self._component} · {self._env}",
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll():
                yield Static("", id="details", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self._show(None, "")
        comp = self.session.records.get_oauth(self._component)
        tok = self.session.records.token(self._env, comp.name)
        if comp.introspection_url and tok is not None and tok.access_token:
            self.query_one("#details", Static).loading = True
            self._introspect()
        # The report scrolls with the arrow keys at once; Esc (or the button) closes.
        self.query_one(VerticalScroll).focus()

    def _show(self, answer: dict[str, object] | None, error: str) -> None:
        from tui.core.oauth.inspect import build_report

        records = self.session.records
        comp = records.get_oauth(self._component)
        tok = records.token(self._env, comp.name)
        now = self.tokendesk.clock()
        report = build_report(
            comp, tok, self._env, now=now, introspection=answer, introspection_error=error
        )
        self._report = (report, now)
        self._show_report()

    def on_resize(self) -> None:
        self._show_report()

    def _show_report(self) -> None:
        if self._report is None:
            return
        report, now = self._report  # the times as of the report, like its health line
        columns = self.query_one(VerticalScroll).scrollable_content_region.width
        self.query_one("#details", Static).update(details_text(report, now, columns))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="introspect",
        description="introspect",
    )
    def _introspect(self) -> None:
        from tui.core.errors import TokendeskError
        from tui.core.oauth.inspect import introspect

        records = self.session.records
        comp = records.get_oauth(self._component)
        tok = records.token(self._env, comp.name)
        if tok is None:
            self.post_message(self.Introspected(None, ""))
            return
        try:
            self.post_message(self.Introspected(introspect(comp, tok.access_token), ""))
        except TokendeskError as exc:
            self.post_message(self.Introspected(None, exc.message))

    @on(Introspected)
    def _introspected(self, message: Introspected) -> None:
        self.query_one("#details", Static).loading = False
        self._show(message.answer, message.error)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
