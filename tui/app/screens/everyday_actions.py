"""Everyday actions of the main screen that used to need the CLI.

Manage environments (add, rename, remove naming the tokens that go, use), change the vault
passphrase, and copy the current access token (OSC 52, after a confirmation that says it
is a secret). Vault changes run in a worker through ``Session.edit()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.message import Message

from tui.app.errors import failure_text
from tui.app.messages import ActionFailed, ComponentDeleted, RecordsChanged
from tui.app.screens.component_actions import ComponentActions
from tui.app.screens.environments import EnvironmentChange, EnvironmentsDialog
from tui.core.models.oauth import OAuthComponent

DONE = {
    "add": "Added environment {name}.",
    "rename": "Renamed {name} to {new_name}.",
    "remove": "Removed environment {name} and its tokens.",
    "use": "Environment: {name}",
}


class EverydayActions(ComponentActions):
    """Base of ``MainScreen`` (after ``ComponentActions``)."""

    @dataclass
    class EnvironmentChanged(Message):
        """A change from the environments dialog was saved."""

        change: EnvironmentChange

    # ------------------------------------------------------------ environments
    def action_switch_environment(self) -> None:
        from tui.app.screens.dialogs import EnvironmentPicker

        def chosen(env: str | None) -> None:
            if env and env != self.env:
                self._change_environment(EnvironmentChange("use", env))

        self.app.push_screen(EnvironmentPicker(self.records.environments, self.env), chosen)

    def action_manage_environments(self) -> None:
        def done(change: EnvironmentChange | None) -> None:
            if change is not None:
                self._change_environment(change)

        self.app.push_screen(EnvironmentsDialog(), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="env", description="env")
    def _change_environment(self, change: EnvironmentChange) -> None:
        from tui.core.environments import rename_environment

        try:
            with self.session.edit() as records:
                if change.op == "add":
                    records.add_environment(change.name)
                elif change.op == "rename":
                    rename_environment(records, change.name, change.new_name)
                elif change.op == "remove":
                    records.remove_environment(change.name)
                else:
                    records.use_environment(change.name)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(ActionFailed(failure_text(exc), "Environments"))
            return
        self.post_message(RecordsChanged())
        self.post_message(self.EnvironmentChanged(change))

    @on(EnvironmentChanged)
    def _environment_changed(self, message: EnvironmentChanged) -> None:
        change = message.change
        text = DONE[change.op].format(name=change.name, new_name=change.new_name)
        self.notify(text, title="Environments", markup=False)

    # ------------------------------------------------------------ vault
    def action_change_passphrase(self) -> None:
        from tui.app.screens.passphrase import PassphraseDialog

        self.app.push_screen(PassphraseDialog())

    # ------------------------------------------------------------ tokens
    def action_copy_access_token(self) -> None:
        from tui.app.screens.dialogs import ConfirmDialog

        comp = self.selected(OAuthComponent)
        if comp is None:
            return
        env = self.env
        tok = self.records.token(env, comp.name)
        if tok is None or not tok.access_token:
            self.notify(f"{comp.name} has no access token in {env}: authorize first (a).",
                        severity="warning", markup=False)  # fmt: skip
            return
        name = comp.name

        def answered(yes: bool | None) -> None:
            current = self.records.token(env, name)
            if yes and current is not None and current.access_token:
                self.app.copy_to_clipboard(current.access_token)
                self.notify(f"Copied the access token of {name} ({env}).", markup=False)

        self.app.push_screen(
            ConfirmDialog(
                "Copy access token",
                f"Copy the access token of {name!r} ({env}) to the clipboard? It is a secret: "
                "anyone who pastes it can act as you until it expires.",
                "Copy",
            ),
            answered,
        )

    # ------------------------------------------------------------ delete
    def action_delete_component(self) -> None:
        from tui.app.screens.dialogs import ConfirmDialog, MessageDialog

        name = self.showing
        if name is None:
            self.notify("Select a saved component first.", severity="warning")
            return
        comp = self.records.components.get(name)
        if isinstance(comp, OAuthComponent):
            users = [m.name for m in self.records.mail_components() if m.variable == comp.variable]
            if users:
                listed = ", ".join(repr(u) for u in users)
                self.app.push_screen(
                    MessageDialog(
                        "Cannot delete yet",
                        f"{name!r} is used through @{comp.variable} by the inbound email "
                        f"component{'s' if len(users) > 1 else ''} {listed}. Delete them or "
                        "change their token first.",
                    )
                )
                return
            # Asks whether to revoke at the provider first.
            self.ask_delete_oauth(comp)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(name)

        self.app.push_screen(
            ConfirmDialog(
                "Delete component",
                f"Delete {name!r} and its tokens in every environment?",
                "Delete",
                danger=True,
            ),
            answered,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="save", description="delete")
    def _delete(self, name: str) -> None:
        try:
            with self.session.edit() as records:
                records.remove(name)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.post_message(ActionFailed(f"Not deleted: {failure_text(exc)}"))
            return
        self.post_message(ComponentDeleted(name))
