"""Mail commands through a running agent: the component and its credential without a vault.

With an unlocked agent, reading or sending mail needs neither the passphrase nor the key
derivation (a third of a second with the default cost): the command asks the agent for an
`Access` (``tui.core.mail.service``) instead of opening the vault. Both ends are here:

- ``mail_reply(session, request, fresh)`` runs in the agent: it builds the `Access` with the
  vault code path (`access_for`, the agent's own lock-aware ``fresh``) and answers with the
  component's settings, the login name, the environment and, for OAuth, the access token;
  with ``force`` the token is refreshed first (a mail server rejected the one it had).
- ``access_from_agent(name, env, vault, outbound=...)`` runs in the command: None when no
  agent can answer (none running, locked, another vault, a reply too large) or its answer
  fails the model's own checks, so the caller opens the vault.

What crosses the socket (same user only, see ``tui.core.agent.server``) is what the login
needs: a stored mail password or an access token, never a refresh token or client secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from tui.core.agent import client
from tui.core.errors import NextStep, TokendeskError
from tui.core.mail.auth import Credential
from tui.core.mail.service import Access, access_for
from tui.core.models.base import field_defaults
from tui.core.models.mail import MailComponent
from tui.core.text import one_line

if TYPE_CHECKING:  # the session brings the vault library and cryptography: agent side only
    from tui.core.mail.service import AnyMailComponent, FreshToken
    from tui.core.models.outbound import OutboundComponent
    from tui.core.session import Session

TEXT_LIMIT = 1000
"""Longest message or advice taken from an agent's error reply."""


class AgentRefusal(TokendeskError):
    """An error the agent reported (its message, advice, next step and exit status)."""

    def __init__(self, error: dict[str, Any]) -> None:
        advice = error.get("advice")
        super().__init__(
            one_line(error.get("message") or "the agent refused the request", TEXT_LIMIT),
            advice=one_line(advice, TEXT_LIMIT) if advice else None,
            next_step=NextStep.from_dict(error.get("next_step")),
        )
        code = error.get("exit")
        self.exit_code = code if type(code) is int and code in (1, 2, 3) else 1


def valid_request(req: dict[str, Any]) -> bool:
    """Whether ``req`` is a well-formed ``mail`` request."""
    return client.valid_target(req) and isinstance(req.get("outbound", False), bool)


def mail_reply(session: Session, req: dict[str, Any], fresh: FreshToken) -> dict[str, Any]:
    """The agent's answer to a valid ``mail`` request (raises the core's errors)."""
    access = access_for(
        session, req["name"], req.get("env"), outbound=bool(req.get("outbound")), fresh=fresh
    )
    token = None
    if access.credential.kind == "oauth":
        token = access.credential.secret(bool(req.get("force")))
    return {
        "ok": True,
        "component": access.component.to_dict(),
        "username": access.username,
        "environment": access.environment,
        "access_token": token,
    }


def access_from_agent(
    name: str, env: str | None, vault: str | None, *, outbound: bool = False
) -> Access | None:
    """An `Access` for component ``name`` from a running agent, or None (open the vault).

    ``vault`` is the vault path the command was given (None: the default vault).

    Raises:
        AgentRefusal: the agent answered with an error (unknown component, sign-in needed...).
    """
    request = {
        "op": "mail",
        "name": name,
        "env": env,
        "vault": vault,
        **client.default_inputs(),
        "outbound": outbound,
    }
    if not valid_request(request):
        return None  # the vault path names what is wrong ('no component named ...')
    reply = _ask(request)
    if reply is None:
        return None
    try:
        comp = _component(reply["component"], outbound)
        username, environment = reply["username"], reply["environment"]
        if not (isinstance(username, str) and isinstance(environment, str)):
            return None
        if comp.auth == "password":
            credential = Credential.password(comp.password)
        else:
            token = reply["access_token"]
            if not isinstance(token, str):
                return None

            def refreshed() -> str:
                again = _ask({**request, "env": environment, "force": True})
                if again is None or not isinstance(again.get("access_token"), str):
                    raise TokendeskError(
                        "the agent went away while refreshing the token",
                        advice="run the command again: with no agent it opens the vault itself",
                    )
                return str(again["access_token"])

            credential = Credential.token(token, refresh=refreshed)
    except (KeyError, TypeError, ValueError, TokendeskError):
        return None  # a reply this version does not understand: open the vault instead
    return Access(comp, username, credential, environment)


def _component(d: Any, outbound: bool) -> AnyMailComponent:
    """The component of a reply, checked as the model checks what a user enters: unlike a
    vault record (authenticated encryption), a socket's answer is not known to be a saved,
    validated model (a plaintext login to a remote host must never come from elsewhere).

    Raises:
        TypeError: not a dict, or a field of the wrong type.
        ValidationError: a value the model refuses (the kind's protocols included).
    """
    cls: type[MailComponent] | type[OutboundComponent] = MailComponent
    if outbound:
        from tui.core.models.outbound import OutboundComponent

        cls = OutboundComponent
    if not isinstance(d, dict):
        raise TypeError("not a component")
    for name, default, _ in field_defaults(cast(Any, cls)):  # the cache's key: a class
        value = d.get(name, default)
        if isinstance(default, bool) and not isinstance(value, bool):
            raise TypeError(name)  # checked first: "no" would pass for a true flag
        if (isinstance(default, str) or name in ("name", "host")) and not isinstance(value, str):
            raise TypeError(name)  # the model's checks call str methods on these
    return cls.from_dict(d)


def _ask(request: dict[str, Any]) -> dict[str, Any] | None:
    reply = client.request(request, timeout=client.TOKEN_TIMEOUT)
    if reply is None or reply.get("fallback"):
        return None
    if reply.get("ok"):
        return reply
    error = reply.get("error")
    if not isinstance(error, dict):
        return None
    raise AgentRefusal(error)
