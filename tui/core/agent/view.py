"""A token as ``tokendesk token`` shows it: the fields the agent sends and the CLI prints.

``token_view`` is built in the process that holds the token (the agent, or the CLI when it
opens the vault itself); ``tui.core.agent.client.token_text`` turns it into the printed text,
so both paths print exactly the same. A view carries the access token (that is what it is
for) and never a refresh token or client secret.
"""

from __future__ import annotations

from typing import Any

from tui.core.models.oauth import TokenRecord
from tui.core.oauth.status import iso_utc
from tui.core.oauth.tokens import sasl_string


def token_view(tok: TokenRecord, *, sasl: str | None = None, user: str = "") -> dict[str, Any]:
    """The printable fields of ``tok``; with ``sasl``, the SASL string for ``user``.

    Raises:
        UsageError: ``sasl`` is unknown, or no user was given and the token names none.
    """
    view: dict[str, Any] = {
        "access_token": tok.access_token,
        "token_type": tok.token_type,
        "expires_at": iso_utc(tok.expires_at),
        "expires_in": tok.expires_in(),
        "scope": tok.scope,
        "account": tok.account,
        "last_error": tok.last_error,
        "needs_signin": tok.needs_reauthorization,
    }
    if sasl:
        view["sasl"] = sasl_string(sasl, user or tok.account, tok.access_token)
    return view
