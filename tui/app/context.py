"""Typed access to the running ``TokendeskApp`` from screens and widgets.

Textual types ``self.app`` as ``App[Any]``, which has no ``session`` or ``clock``. The base
classes here give every tokendesk screen a ``tokendesk`` property typed as the real app,
and ``session`` for the open vault session (screens past the unlock screen only).
"""

from __future__ import annotations

from typing import TypeVar

from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer

from tui.app.app import TokendeskApp
from tui.core.session import Session

ResultT = TypeVar("ResultT")


def tokendesk_app(node: DOMNode) -> TokendeskApp:
    """The ``TokendeskApp`` that ``node`` runs in."""
    app = node.app
    if not isinstance(app, TokendeskApp):
        raise TypeError(f"{type(node).__name__} runs outside TokendeskApp")
    return app


def open_session(node: DOMNode) -> Session:
    """The app's open session (raises before the vault is unlocked: a programming error)."""
    session = tokendesk_app(node).session
    if session is None:
        raise RuntimeError("the vault is not open yet")
    return session


class AppScreen(Screen[ResultT]):
    """A full screen of tokendesk."""

    @property
    def tokendesk(self) -> TokendeskApp:
        """The app, typed."""
        return tokendesk_app(self)

    @property
    def session(self) -> Session:
        """The open vault session."""
        return open_session(self)


class AppModal(ModalScreen[ResultT]):
    """A dialog of tokendesk, with its own footer: the keys shown are the dialog's."""

    def on_mount(self) -> None:
        # Covers the footer of the screen below, whose keys do not work here.
        self.mount(Footer(compact=True, show_command_palette=False))

    @property
    def tokendesk(self) -> TokendeskApp:
        """The app, typed."""
        return tokendesk_app(self)

    @property
    def session(self) -> Session:
        """The open vault session."""
        return open_session(self)
