"""The OAuth2 and inbound email actions of the main screen, on the shared services.

Authorize opens ``AuthorizeScreen``; Refresh now is ``tui.core.oauth.tokens.fresh_token(...,
force=True)`` (the CLI's locked refresh); Copy redirect URI copies
``registration_redirect_uri`` (OSC 52) and it is shown on screen too; Test connection is
``tui.core.mail.service.open_client``; Open inbox pushes ``InboxScreen``. Every blocking call runs
in a thread worker; failures become a notification (markup off) and, for tokens, the badge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.content import Content

from tui.app.messages import RecordsChanged
from tui.core.errors import ReauthorizationNeeded, TokendeskError
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent
from vault import VaultError

if TYPE_CHECKING:
    from tui.core.records import Records

ACTION_KINDS = {
    "authorize": "oauth",
    "copy_redirect_uri": "oauth",
    "refresh_token": "oauth",
    "forget_tokens": "oauth",
    "test_connection": "mail",
    "open_inbox": "mail",
}


def failure_text(exc: BaseException) -> str:
    """A one-line, secret-free text for an exception (message + hint)."""
    if isinstance(exc, ReauthorizationNeeded):
        # The service's hint names the CLI command; here the key is the next step.
        return f"{exc.message} — authorize again: a, on the OAuth2 component"
    if isinstance(exc, TokendeskError | VaultError):
        return exc.message + (f" — {exc.hint}" if exc.hint else "")
    return f"unexpected error ({type(exc).__name__})"


class ComponentActions:
    """Mixin for ``MainScreen``: needs ``records``, ``env``, ``showing``, ``guard``."""

    records: Records
    env: str
    showing: str | None

    # ------------------------------------------------------------ helpers
    def selected(self, kind: str) -> OAuthComponent | MailComponent | None:
        """The shown saved component if it is of ``kind``; else tell the user, return None."""
        comp = self.records.components.get(self.showing or "")
        wanted = OAuthComponent if kind == "oauth" else MailComponent
        if not isinstance(comp, wanted):
            label = "an OAuth2 component" if kind == "oauth" else "an inbound email component"
            self.notify(f"Select {label} first (and save it).", severity="warning")  # type: ignore[attr-defined]
            return None
        return comp

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        kind = ACTION_KINDS.get(action)
        if kind is None:
            return True
        comp = self.records.components.get(self.showing or "")
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

    # ------------------------------------------------------------ OAuth2
    def action_copy_redirect_uri(self) -> None:
        from tui.core.oauth.callback import registration_redirect_uri

        comp = self.selected("oauth")
        if isinstance(comp, OAuthComponent):
            uri = registration_redirect_uri(comp)
            self.app.copy_to_clipboard(uri)  # type: ignore[attr-defined]
            self.notify(  # type: ignore[attr-defined]
                f"Copied the redirect URI of {comp.name} for {self.env}: {uri}",
                title="Copy redirect URI",
                markup=False,
            )

    def action_authorize(self) -> None:
        from tui.app.screens.authorize import AuthorizeScreen

        def start() -> None:
            comp = self.selected("oauth")
            if isinstance(comp, OAuthComponent):
                self.app.push_screen(  # type: ignore[attr-defined]
                    AuthorizeScreen(comp, self.env), self._authorized
                )

        self.guard(start)  # type: ignore[attr-defined]

    def _authorized(self, ok: bool | None) -> None:
        self.post_message(RecordsChanged())  # type: ignore[attr-defined]

    def action_refresh_token(self) -> None:
        comp = self.selected("oauth")
        if isinstance(comp, OAuthComponent):
            self.notify(f"Refreshing {comp.name} ({self.env})…", markup=False)  # type: ignore[attr-defined]
            self._refresh(comp.name, self.env)

    @work(thread=True, exit_on_error=False, group="refresh", description="refresh now")
    def _refresh(self, name: str, env: str) -> None:
        from tui.core.oauth.tokens import fresh_token

        app = self.app  # type: ignore[attr-defined]
        try:
            tok = fresh_token(app.session, name, env, force=True)
        except Exception as exc:  # noqa: BLE001 - shown to the user; the badge shows it too
            app.call_from_thread(
                app.notify, f"{name}: {failure_text(exc)}", title="Refresh failed",
                severity="error", markup=False,
            )  # fmt: skip
        else:
            if tok.last_error:
                text = f"{name}: {tok.last_error} (the old token is still valid)"
                app.call_from_thread(app.notify, text, severity="warning", markup=False)
            else:
                app.call_from_thread(
                    app.notify, f"Token refreshed for {name} ({env}).", markup=False
                )
        self.post_message(RecordsChanged())  # type: ignore[attr-defined]

    def action_forget_tokens(self) -> None:
        from tui.app.screens.dialogs import ConfirmDialog

        comp = self.selected("oauth")
        if not isinstance(comp, OAuthComponent):
            return
        name, env = comp.name, self.env

        def answered(yes: bool | None) -> None:
            if yes:
                self._forget(name, env)

        self.app.push_screen(  # type: ignore[attr-defined]
            ConfirmDialog(
                "Forget tokens",
                f"Forget the tokens of {name!r} in {env}? Other environments keep theirs; "
                "you will need to authorize again.",
                "Forget",
                danger=True,
            ),
            answered,
        )

    @work(thread=True, exit_on_error=False, group="save", description="forget tokens")
    def _forget(self, name: str, env: str) -> None:
        app = self.app  # type: ignore[attr-defined]
        try:
            with app.session.edit() as records:
                had = records.drop_token(env, name)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            app.call_from_thread(app.notify, failure_text(exc), severity="error", markup=False)
            return
        text = f"Forgot the tokens of {name} in {env}."
        if not had:
            text = f"{name} had no tokens in {env}."
        app.call_from_thread(app.notify, text, markup=False)
        self.post_message(RecordsChanged())  # type: ignore[attr-defined]

    # ------------------------------------------------------------ mail
    def action_test_connection(self) -> None:
        comp = self.selected("mail")
        if isinstance(comp, MailComponent):
            self.guard(lambda: self._start_test(comp.name))  # type: ignore[attr-defined]

    def _start_test(self, name: str) -> None:
        for result in self.query("#mail-result"):  # type: ignore[attr-defined]
            result.update(f"Testing the connection of {name}…")
            result.display = True
            result.loading = True
        self._test(name, self.env)

    @work(thread=True, exclusive=True, exit_on_error=False, group="mail-test", description="test")
    def _test(self, name: str, env: str) -> None:
        from tui.core.mail.service import issuer_warning, open_client

        app = self.app  # type: ignore[attr-defined]
        try:
            comp = app.session.records.get_mail(name)
            client = open_client(app.session, name, env)
            try:
                count = client.select(comp.folder)
                info = client.info
            finally:
                client.close()
        except Exception as exc:  # noqa: BLE001 - shown inline
            app.call_from_thread(self._tested, False, f"✗ {env}: {failure_text(exc)}")
            self.post_message(RecordsChanged())  # type: ignore[attr-defined]
            return
        tls = f"{info.tls}" + (f", {info.tls_version}" if info and info.tls_version else "")
        lines = [
            f"✓ {env}: connected to {comp.host}:{comp.port} ({tls}), logged in as "
            f"{client.username}.",
            f"  {comp.folder} has {count:,} messages.",
        ]
        if info and info.greeting:
            lines.append(f"  Server: {info.greeting}")
        if comp.variable:
            oauth = app.session.records.by_variable(comp.variable)
            tok = app.session.records.token(env, oauth.name)
            warning = issuer_warning(comp, oauth.token_url, tok)
            if warning:
                lines.append(f"  ⚠ {warning}")
        app.call_from_thread(self._tested, True, "\n".join(lines))
        self.post_message(RecordsChanged())  # type: ignore[attr-defined]

    def _tested(self, ok: bool, text: str) -> None:
        for result in self.query("#mail-result"):  # type: ignore[attr-defined]
            result.loading = False
            result.update(text)
            result.set_class(not ok, "-error")
            result.set_class(ok, "-ok")
        self.notify(  # type: ignore[attr-defined]
            "Connection test passed." if ok else "Connection test failed.",
            severity="information" if ok else "error",
        )

    def action_open_inbox(self) -> None:
        from tui.app.screens.inbox import InboxScreen

        comp = self.selected("mail")
        if isinstance(comp, MailComponent):
            screen = InboxScreen(comp.name, self.env, comp.folder)
            self.guard(lambda: self.app.push_screen(screen))  # type: ignore[attr-defined]
