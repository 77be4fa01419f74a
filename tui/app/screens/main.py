"""The main screen: environment bar, component sidebar with badges, and the selected form.

The form on the right follows the sidebar's highlight. Leaving a form with unsaved changes
(another component, a new one, quitting) asks Save / Discard / Cancel first. Saving,
deleting and switching the environment go through ``Session.edit()`` in a thread worker;
the OAuth2 and mail actions live in ``component_actions``.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, OptionList, Static

from tui.app.errors import failure_text
from tui.app.keys import SCREEN_BINDINGS
from tui.app.messages import (
    ComponentDeleted,
    ComponentSaved,
    RecordsChanged,
    SaveFailed,
)
from tui.app.screens.agent_actions import AgentActions
from tui.app.screens.dialogs import (
    ConfirmDialog,
    UnsavedChangesDialog,
)
from tui.app.screens.everyday_actions import EverydayActions
from tui.app.widgets.action_buttons import action_buttons
from tui.app.widgets.agent_indicator import AgentIndicator
from tui.app.widgets.field import display_path
from tui.app.widgets.forms import ComponentForm
from tui.app.widgets.mail_form import MailForm
from tui.app.widgets.oauth_form import OAuthForm
from tui.app.widgets.outbound_form import OutboundForm
from tui.app.widgets.outbound_panel import OutboundPanel
from tui.app.widgets.sidebar import ComponentList
from tui.app.widgets.token_panel import TokenPanel
from tui.core.errors import ValidationError
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.models.outbound import OutboundComponent
from tui.core.records import Component

KIND_TITLES = {"oauth": "OAuth2 credential", "mail": "Inbound email", "smtp": "Outbound email"}
KIND_FORMS: dict[str, type[ComponentForm]] = {
    "oauth": OAuthForm, "mail": MailForm, "smtp": OutboundForm,
}  # fmt: skip


def kind_of(comp: Component) -> str:
    """``oauth``, ``mail`` or ``smtp``: the form and actions a component gets."""
    if isinstance(comp, OAuthComponent):
        return "oauth"
    return "smtp" if isinstance(comp, OutboundComponent) else "mail"


class MainScreen(AgentActions, EverydayActions):
    """Sidebar + form; see the module docstring."""

    AUTO_FOCUS = "#sidebar"

    BINDINGS = list[Binding | tuple[str, str] | tuple[str, str, str]](SCREEN_BINDINGS)
    """Control keys only: the letter keys belong to the component list (``tui.app.keys``)."""

    def __init__(self) -> None:
        super().__init__()
        self.form: ComponentForm | None = None
        self.showing: str | None = None
        """Name of the saved component the form shows (None: nothing, or a new one)."""
        self._after_save: Callable[[], None] | None = None
        self._guard_open = False
        self._drawn_env = ""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("", id="topbar", markup=False)
        yield AgentIndicator(id="agent-indicator")
        with Horizontal(id="body"):
            yield ComponentList(id="sidebar")
            detail = VerticalScroll(id="detail")
            detail.can_focus = False  # Tab goes from the list straight into the form
            yield detail
        yield Footer(compact=True)

    @property
    def sidebar(self) -> ComponentList:
        return self.query_one("#sidebar", ComponentList)

    def on_mount(self) -> None:
        self.redraw()
        self.sidebar.focus()
        if self.showing is None and not self.records.components:
            self.call_after_refresh(self._show_welcome)
        self.set_interval(5.0, self._tick, name="badges")

    def _show_welcome(self) -> None:
        if self.form is None and self.showing is None:
            self.query_one("#detail").mount(
                Static(
                    "No components yet.\n\nPress n for a new OAuth2 credential, m for an "
                    "inbound email component, ctrl+p for every command, F1 for help.",
                    id="welcome",
                )
            )

    def on_resize(self) -> None:
        self._draw_bar()

    def _draw_bar(self) -> None:
        """The top bar; a vault path too long for it loses its start, not its file name."""
        bar = Content.assemble(
            Content.styled(" tokendesk ", "bold reverse"),
            "  Environment: ",
            Content.styled(f" {self.env} ", "bold $text-accent"),
            Content.styled("  (e to switch)  ", "$text-muted"),
        )
        topbar = self.query_one("#topbar", Static)
        path = display_path(self.session.path)
        room = topbar.content_region.width - bar.cell_length
        if 0 < room < len(path):
            path = "…" + path[len(path) - room + 1 :] if room > 1 else "…"
        topbar.update(Content.assemble(bar, Content.styled(path, "$text-muted")))

    def redraw(self) -> None:
        """Redraw the environment bar, badges and token panel from the session's records."""
        records, env = self.records, self.env
        self._draw_bar()
        if env != self._drawn_env:
            # A connection test result belongs to the environment it ran in.
            for result in self.query("#mail-result"):
                result.display = False
            self._drawn_env = env
        self.sidebar.show_records(
            records, env, self.tokendesk.clock(), select_first=self.form is None
        )
        if self.form is not None:
            self.form.records = records
        self._update_token_panel()

    def _tick(self) -> None:
        before = dict(self.sidebar.statuses)
        self.sidebar.show_records(
            self.records, self.env, self.tokendesk.clock(), select_first=self.form is None
        )
        if self.sidebar.statuses != before:
            self._update_token_panel()

    def _update_token_panel(self) -> None:
        comp = self.records.components.get(self.showing or "")
        for panel in self.query(TokenPanel):
            if isinstance(comp, OAuthComponent):
                panel.show(comp, self.records.tokens.get(self.env, {}).get(comp.name), self.env)

    def on_records_changed(self, message: RecordsChanged) -> None:
        self.redraw()
        if message.select and message.select in self.records.components:
            self.sidebar.select_name(message.select)

    # ------------------------------------------------------------------ detail
    def show_component(
        self, name: str | None, *, new: str | None = None, focus: bool = False
    ) -> None:
        """Show component ``name``'s form, or an empty form for a ``new`` kind."""
        comp: Component | None = self.records.components.get(name) if name else None
        detail = self.query_one("#detail", VerticalScroll)
        detail.remove_children()
        self.showing = comp.name if comp else None
        self.form = None
        if comp is None and new is None:
            return
        kind = new or kind_of(comp) if comp else new or "oauth"
        title = (
            Content.assemble(Content.styled(f"{KIND_TITLES[kind]} · ", "bold"), Content(comp.name))
            if comp
            else Content.styled(
                "New OAuth2 component"
                if kind == "oauth"
                else f"New {KIND_TITLES[kind].lower()} component",
                "bold",
            )
        )
        widgets = [Static(title, id="detail-title"), action_buttons(kind, comp is not None)]
        if isinstance(comp, OAuthComponent):
            widgets.append(Static(self.redirect_text(comp), id="redirect-uri", markup=False))
            widgets.append(TokenPanel(self.tokendesk.clock, id="token-panel"))
        if isinstance(comp, MailComponent):
            result = Static("", id="mail-result", markup=False)
            result.display = False
            widgets.append(result)
        if isinstance(comp, OutboundComponent):
            widgets.append(OutboundPanel(comp.name, self.env, id="outbound-panel"))
        form_cls = KIND_FORMS[kind]
        self.form = form_cls(self.records, comp, id="form", autofocus=focus)
        widgets.append(self.form)
        # A fresh wrapper per component: the old one is removed asynchronously, and the
        # ids inside the two never meet in one parent.
        detail.mount(Vertical(*widgets, classes="detail-content"))
        detail.scroll_home(animate=False)
        self.call_after_refresh(self._update_token_panel)
        self.refresh_bindings()  # the footer shows the actions of this kind only

    @on(OptionList.OptionHighlighted, "#sidebar")
    def _highlighted(self) -> None:
        if self.app.screen is not self:
            return  # a redraw under a dialog; the dialog decides what happens next
        name = self.sidebar.selected_name
        if name is None or (name == self.showing and self.form is not None):
            return
        showing = self.showing

        def back() -> None:
            if showing is not None:
                self.sidebar.select_name(showing)
            else:
                self.sidebar.highlighted = None

        self.guard(lambda: self.show_component(name), back)

    @on(OptionList.OptionSelected, "#sidebar")
    def _selected(self) -> None:
        if self.form is not None:
            # Into the form with the cursor at the end: nothing selected, so the next key
            # cannot replace the component's name.
            self.form.focus_first(select=False)

    # ------------------------------------------------------------------ palette targets
    def targets(self, kind: str) -> list[str]:
        """Names of the saved components an action of ``kind`` applies to (see
        `tui.app.keys.PaletteCommand.kind`)."""
        records = self.records
        if kind == "oauth":
            return [c.name for c in records.oauth_components()]
        if kind == "authorized":
            have = records.tokens.get(self.env, {})
            return [c.name for c in records.oauth_components() if _has_access(have.get(c.name))]
        if kind == "mail":
            return [c.name for c in records.mail_components()]
        if kind == "server":
            inbound = [c.name for c in records.mail_components()]
            return inbound + [c.name for c in records.outbound_components()]
        return list(records.components)

    def run_on(self, name: str, action: str) -> None:
        """Show component ``name`` (after the unsaved-changes question) and run ``action``."""

        def go() -> None:
            if name not in self.records.components:
                return
            if self.showing != name or self.form is None:
                self.show_component(name)
                self.sidebar.select_name(name)
            getattr(self, f"action_{action}")()

        self.guard(go)

    # ------------------------------------------------------------------ guard
    @property
    def has_changes(self) -> bool:
        return self.form is not None and self.form.dirty

    @property
    def has_new_form(self) -> bool:
        return self.form is not None and self.form.original_name is None

    @on(ComponentForm.DirtyChanged)
    def _dirty_changed(self) -> None:
        self.refresh_bindings()  # Save and Discard appear in the footer

    def guard(self, then: Callable[[], None], on_cancel: Callable[[], None] | None = None) -> None:
        """Run ``then`` now, or after Save/Discard when the form has unsaved changes."""
        form = self.form
        if form is None or not form.dirty:
            then()
            return
        if self._guard_open:
            # One question at a time: highlight events queued while the dialog was up (or
            # caused by restoring the highlight on Cancel) must not stack more dialogs.
            return
        self._guard_open = True
        what = "The new component"
        if form.original_name:
            what = f"The component {form.original_name!r}"

        def answered(choice: str | None) -> None:
            self._guard_open = False
            if form is not self.form or not form.is_mounted:
                return  # the form was replaced meanwhile: its question no longer applies
            if choice == "save":
                self._after_save = then
                self.action_save()
            elif choice == "discard":
                form.discard()
                then()
            elif on_cancel is not None:
                on_cancel()

        self.app.push_screen(UnsavedChangesDialog(what), answered)

    # ------------------------------------------------------------------ actions
    def action_new_oauth(self) -> None:
        self.guard(lambda: self._new("oauth"))

    def action_new_mail(self) -> None:
        self.guard(lambda: self._new("mail"))

    def action_new_outbound(self) -> None:
        self.guard(lambda: self._new("smtp"))

    def _new(self, kind: str) -> None:
        self.sidebar.highlighted = None
        self.show_component(None, new=kind, focus=True)

    def action_focus_sidebar(self) -> None:
        self.sidebar.focus()

    def action_discard(self) -> None:
        form = self.form
        if form is None or not form.dirty:
            return
        what = (
            f"the changes to {form.original_name!r}" if form.original_name else "the new component"
        )

        def answered(yes: bool | None) -> None:
            if yes and form is self.form and form.is_mounted:
                form.discard()
                self.notify("Changes discarded.")

        self.app.push_screen(
            ConfirmDialog("Discard changes", f"Discard {what}?", "Discard", danger=True), answered
        )

    def action_save(self) -> None:
        form = self.form
        if form is None:
            return
        comp = form.check(show_all=True)
        if comp is None:
            self._after_save = None
            form.focus_error()
            self.notify("Not saved: fix the field marked in red.", severity="error")
            return
        self._save(comp, form.original_name)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", description="save")
    def _save(self, comp: Component, original: str | None) -> None:
        try:
            with self.session.edit() as records:
                if original is None:
                    records.add(comp)
                else:
                    records.replace(original, comp)
        except Exception as exc:  # noqa: BLE001 - reported on the UI thread
            self.post_message(SaveFailed(exc))
            return
        self.post_message(ComponentSaved(comp))

    @on(ComponentSaved)
    def _saved(self, message: ComponentSaved) -> None:
        comp = message.component
        was_new = self.showing is None
        if self.form is not None:
            self.form.mark_saved(comp)
        self.notify(f"Saved {comp.name}.", markup=False)
        then, self._after_save = self._after_save, None
        self.showing = comp.name
        self.redraw()
        if then is not None:
            then()
        elif was_new or self.sidebar.selected_name != comp.name:
            self.show_component(comp.name)
            self.sidebar.select_name(comp.name)

    @on(SaveFailed)
    def _save_failed(self, message: SaveFailed) -> None:
        exc = message.error
        self._after_save = None
        if isinstance(exc, ValidationError) and self.form is not None:
            self.form.show_error(exc)
        self.notify(f"Not saved: {failure_text(exc)}", severity="error", markup=False)

    @on(ComponentDeleted)
    def _deleted(self, message: ComponentDeleted) -> None:
        self.notify(f"Deleted {message.name}.", markup=False)
        if self.form is not None:
            self.form.discard()
        self.show_component(None)
        self.redraw()
        name = self.sidebar.selected_name
        if name:
            self.show_component(name)


def _has_access(tok: TokenRecord | None) -> bool:
    return tok is not None and bool(tok.access_token)
