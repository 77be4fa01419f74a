"""The OAuth2 and inbound email actions of the main screen, on the shared services.

Authorize opens ``AuthorizeScreen``; Refresh now is ``tui.core.oauth.tokens.fresh_token(...,
force=True)`` (the CLI's locked refresh); Copy redirect URI copies
``registration_redirect_uri`` (OSC 52) and it is shown on screen too; Test connection is
``tui.core.mail.service.open_client``; Open inbox pushes ``InboxScreen``. Every blocking call
runs in a thread worker that posts one message per outcome; failures become a notification
(markup off) and, for tokens, the badge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import on, work
from textual.content import Content
from textual.widgets import Static

from tui.app.context import AppScreen
from tui.app.errors import failure_text
from tui.app.messages import (
    ActionFailed,
    ComponentDeleted,
    ConnectionTested,
    RecordsChanged,
    TokenRefreshed,
    TokensForgotten,
)
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent
from tui.core.models.outbound import OutboundComponent
from tui.core.records import Records

ACTION_KINDS = {
    "authorize": "oauth",
    "copy_redirect_uri": "oauth",
    "refresh_token": "oauth",
    "forget_tokens": "oauth",
    "token_details": "oauth",
    "test_connection": "mail",
    "open_inbox": "mail",
    "copy_access_token": "oauth",
}

KindT = TypeVar("KindT", OAuthComponent, MailComponent)


class ComponentActions(AppScreen[None]):
    """Base of ``MainScreen``: the actions on the shown component (needs ``guard``)."""

    showing: str | None = None
    """Name of the saved component the form shows (None: nothing, or a new one)."""

    @property
    def records(self) -> Records:
        """The session's records (re-read after every change)."""
        return self.session.records

    @property
    def env(self) -> str:
        """The current environment."""
        return self.records.current_environment

    @property
    def has_changes(self) -> bool:
        """True when the form has unsaved changes (``MainScreen`` knows its form)."""
        return False

    @property
    def has_new_form(self) -> bool:
        """True when a form for a new, unsaved component is open (``MainScreen`` knows)."""
        return False

    def guard(self, then: Callable[[], None], on_cancel: Callable[[], None] | None = None) -> None:
        """Run ``then`` once unsaved changes are dealt with (``MainScreen`` asks)."""
        then()

    # ------------------------------------------------------------ helpers
    def selected(self, kind: type[KindT]) -> KindT | None:
        """The shown saved component if it is a ``kind``; else tell the user, return None."""
        comp = self.records.components.get(self.showing or "")
        if not isinstance(comp, kind):
            oauth = kind is OAuthComponent
            label = "an OAuth2 component" if oauth else "an inbound email component"
            exists = self.records.oauth_components() if oauth else self.records.mail_components()
            if exists:
                self.notify(f"Select {label} first (and save it).", severity="warning")
            else:
                key = "n" if oauth else "m"
                self.notify(f"Add {label} first ({key}).", severity="warning")
            return None
        return comp

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete_component":
            return self.showing in self.records.components
        if action == "save" and self.showing is None and self.has_new_form:
            # A new component's form: ctrl+s says what is missing even before any typing
            # (hidden, the key would do nothing at all).
            return True
        if action in ("save", "discard"):
            # In the footer only when there is something to save: it keeps room for the
            # component's own keys at 80 columns. Hidden also means off: nothing to do.
            return self.has_changes
        kind = ACTION_KINDS.get(action)
        if kind is None:
            return True
        comp = self.records.components.get(self.showing or "")
        if action == "test_connection" and isinstance(comp, OutboundComponent):
            return True  # an outbound component tests its login too
        wanted = OAuthComponent if kind == "oauth" else MailComponent
        # Hidden (not just dimmed) when it does not apply: the footer stays readable at 80
        # columns; the command palette still explains what to select.
        return isinstance(comp, wanted)

    def redirect_text(self, comp: OAuthComponent) -> Content:
        from tui.core.oauth.callback import registration_redirect_uri

        return Content.assemble(
            Content.styled("Redirect URI ", "bold"),
            Content.styled("(register it with the provider): ", "$text-muted"),
            registration_redirect_uri(comp),
        )

    @on(ActionFailed)
    def _action_failed(self, message: ActionFailed) -> None:
        self.notify(message.text, title=message.title, severity="error", markup=False)

    # ------------------------------------------------------------ OAuth2
    def action_copy_redirect_uri(self) -> None:
        from tui.core.oauth.callback import registration_redirect_uri

        comp = self.selected(OAuthComponent)
        if comp is not None:
            uri = registration_redirect_uri(comp)
            self.app.copy_to_clipboard(uri)
            self.notify(
                f"Copied the redirect URI of {comp.name} for {self.env}: {uri}",
                title="Copy redirect URI",
                markup=False,
            )

    def action_authorize(self) -> None:
        from tui.app.screens.authorize import AuthorizeScreen

        def start() -> None:
            comp = self.selected(OAuthComponent)
            if comp is not None:
                self.app.push_screen(AuthorizeScreen(comp, self.env), self._authorized)

        self.guard(start)

    def _authorized(self, ok: bool | None) -> None:
        self.post_message(RecordsChanged())

    def action_refresh_token(self) -> None:
        comp = self.selected(OAuthComponent)
        if comp is not None:
            self.notify(f"Refreshing {comp.name} ({self.env})…", markup=False)
            self._refresh(comp.name, self.env)

    @work(thread=True, exit_on_error=False, group="refresh", description="refresh now")
    def _refresh(self, name: str, env: str) -> None:
        from tui.core.oauth.tokens import fresh_token

        try:
            tok = fresh_token(self.session, name, env, force=True)
        except Exception as exc:  # noqa: BLE001 - shown to the user; the badge shows it too
            self.post_message(ActionFailed(f"{name}: {failure_text(exc)}", "Refresh failed"))
        else:
            self.post_message(TokenRefreshed(env, name, tok.last_error))
        self.post_message(RecordsChanged())

    @on(TokenRefreshed)
    def _token_refreshed(self, message: TokenRefreshed) -> None:
        if message.warning:
            text = f"{message.name}: {message.warning} (the old token is still valid)"
            self.notify(text, severity="warning", markup=False)
        else:
            text = f"Token refreshed for {message.name} ({message.environment})."
            self.notify(text, markup=False)

    def action_token_details(self) -> None:
        from tui.app.screens.token_details import TokenDetailsScreen

        comp = self.selected(OAuthComponent)
        if comp is not None:
            self.app.push_screen(TokenDetailsScreen(comp.name, self.env))

    def action_forget_tokens(self) -> None:
        from tui.app.screens.revoke_dialog import choice, revoke_question

        comp = self.selected(OAuthComponent)
        if comp is None:
            return
        name, env = comp.name, self.env

        def answered(answer: str | bool | None) -> None:
            if choice(answer) != "cancel":
                self._forget(name, env, choice(answer) == "revoke")

        text = (
            f"Forget the tokens of {name!r} in {env}? Other environments keep theirs; "
            "you will need to authorize again."
        )
        dialog = revoke_question(
            "Forget tokens", text, "Forget", endpoint=bool(comp.revocation_url)
        )
        self.app.push_screen(dialog, answered)

    @work(thread=True, exit_on_error=False, group="save", description="forget tokens")
    def _forget(self, name: str, env: str, revoke: bool) -> None:
        from tui.core.oauth.revocation import forget_tokens

        try:
            result = forget_tokens(self.session, name, env, revoke=revoke)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(ActionFailed(failure_text(exc)))
            return
        outcome = result.revocation
        said = outcome.summary(name) if outcome is not None and outcome.endpoint else ""
        failed = outcome is not None and outcome.endpoint and not outcome.ok
        self.post_message(TokensForgotten(env, name, result.dropped, said, failed))
        self.post_message(RecordsChanged())

    @on(TokensForgotten)
    def _forgotten(self, message: TokensForgotten) -> None:
        name, env = message.name, message.environment
        text = (
            f"Forgot the tokens of {name} in {env}."
            if message.had
            else f"{name} had no tokens in {env}."
        )
        if message.revocation:
            text = f"{text} {message.revocation[:1].upper()}{message.revocation[1:]}."
        if message.revocation_failed:
            text += " The local tokens were forgotten anyway."
        if message.revocation_failed:
            self.notify(text, severity="warning", markup=False)
        else:
            self.notify(text, markup=False)

    def ask_delete_oauth(self, comp: OAuthComponent) -> None:
        """Delete an OAuth2 component, revoking its tokens first if the user says so."""
        from tui.app.screens.revoke_dialog import choice, revoke_question

        name = comp.name

        def answered(answer: str | bool | None) -> None:
            if choice(answer) != "cancel":
                self._delete_oauth(name, choice(answer) == "revoke")

        text = f"Delete {name!r} and its tokens in every environment?"
        endpoint = bool(comp.revocation_url)
        dialog = revoke_question("Delete component", text, "Delete", endpoint=endpoint)
        self.app.push_screen(dialog, answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", description="delete")
    def _delete_oauth(self, name: str, revoke: bool) -> None:
        from tui.core.oauth.revocation import remove_component

        try:
            _, outcomes = remove_component(self.session, name, revoke=revoke)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(ActionFailed(f"Not deleted: {failure_text(exc)}"))
            return
        failed = [f"{o.environment}: {o.summary(name)}" for o in outcomes if not o.ok]
        if failed:
            text = f"Deleted {name}; {'; '.join(failed)}"
            self.post_message(ActionFailed(text, "Revocation failed"))
        self.post_message(ComponentDeleted(name))

    # ------------------------------------------------------------ mail
    def action_test_connection(self) -> None:
        if isinstance(self.records.components.get(self.showing or ""), OutboundComponent):
            from tui.app.widgets.outbound_panel import OutboundPanel

            for panel in self.query(OutboundPanel).results(OutboundPanel):
                panel.test()
            return
        comp = self.selected(MailComponent)
        if comp is not None:
            name = comp.name
            self.guard(lambda: self._start_test(name))

    def _start_test(self, name: str) -> None:
        for result in self.query("#mail-result").results(Static):
            result.update(f"Testing the connection of {name}…")
            result.display = True
            result.loading = True
            result.scroll_visible(animate=False)  # the form may be scrolled far below it
        self._test(name, self.env)

    @work(thread=True, exclusive=True, exit_on_error=False, group="mail-test", description="test")
    def _test(self, name: str, env: str) -> None:
        from tui.core.mail.service import issuer_warning, open_client

        session = self.session
        try:
            comp = session.records.get_mail(name)
            client = open_client(session, name, env)
            try:
                count = client.select(comp.folder)
                info = client.info
            finally:
                client.close()
        except Exception as exc:  # noqa: BLE001 - shown inline
            self.post_message(ConnectionTested(False, f"✗ {env}: {failure_text(exc)}"))
            self.post_message(RecordsChanged())
            return
        tls = (
            "" if info is None else info.tls + (f", {info.tls_version}" if info.tls_version else "")
        )
        lines = [
            f"✓ {env}: connected to {comp.host}:{comp.port} ({tls}), logged in as "
            f"{client.settings.username}.",
            f"  {comp.folder} has {count:,} messages.",
        ]
        if info and info.greeting:
            lines.append(f"  Server: {info.greeting}")
        if comp.variable:
            oauth = session.records.by_variable(comp.variable)
            tok = session.records.token(env, oauth.name)
            warning = issuer_warning(comp, oauth.token_url, tok)
            if warning:
                lines.append(f"  ⚠ {warning}")
        self.post_message(ConnectionTested(True, "\n".join(lines)))
        self.post_message(RecordsChanged())

    @on(ConnectionTested)
    def _tested(self, message: ConnectionTested) -> None:
        ok = message.ok
        for result in self.query("#mail-result").results(Static):
            result.loading = False
            result.update(message.text)
            result.set_class(not ok, "-error")
            result.set_class(ok, "-ok")
        self.notify(
            "Connection test passed." if ok else "Connection test failed.",
            severity="information" if ok else "error",
        )

    def action_open_inbox(self) -> None:
        from tui.app.screens.inbox import InboxScreen

        comp = self.selected(MailComponent)
        if comp is not None:
            screen = InboxScreen(comp.name, self.env, comp.folder)

            def open_it() -> None:
                self.app.push_screen(screen)

            self.guard(open_it)
