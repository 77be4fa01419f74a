"""The vault's payload as typed records: environments, components, per-environment tokens.

``Records`` converts to and from the JSON payload the vault stores (with a schema version
so later versions can migrate it) and enforces the rules that span components: unique
names, unique variables, known ``@Variable`` references, and tokens kept per environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tui.core.errors import Action, NextStep, NotFoundError, ValidationError
from tui.core.models.base import parse_variable_ref
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.models.outbound import OutboundComponent

Component = OAuthComponent | MailComponent | OutboundComponent
COMPONENT_TYPES: dict[str, type[OAuthComponent] | type[MailComponent] | type[OutboundComponent]] = {
    "oauth": OAuthComponent,
    "mail": MailComponent,
    "smtp": OutboundComponent,
}

SCHEMA_VERSION = 2
"""The newest payload schema this version reads. It writes schema 1 unless the payload
holds outbound components: tokendesk before schema 2 skipped component kinds it did not
know and would have dropped them on its next save, so a vault with outbound components
says schema 2 and an older tokendesk refuses it instead ("written by a newer tokendesk")."""
DEFAULT_ENVIRONMENTS = ("Test", "Production")
_ENV_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.\-]{0,31}")


class SchemaTooNew(ValidationError):
    """The payload was written by a newer tokendesk whose records this one cannot read."""

    exit_code = 1


@dataclass
class Records:
    """Everything the vault holds, typed. Mutate only inside ``Session.edit()``."""

    environments: list[str] = field(default_factory=lambda: list(DEFAULT_ENVIRONMENTS))
    """Environment names, in display order."""
    current_environment: str = DEFAULT_ENVIRONMENTS[0]
    """The environment commands use when none is given."""
    components: dict[str, Component] = field(default_factory=dict)
    """Components by name, in creation order."""
    tokens: dict[str, dict[str, TokenRecord]] = field(default_factory=dict)
    """Tokens: environment -> component name -> TokenRecord."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Top-level payload keys this version does not know (kept as they are)."""
    unknown_components: list[dict[str, Any]] = field(default_factory=list)
    """Components of kinds this version does not know (kept as they are, not shown)."""

    # ------------------------------------------------------------ serialize
    def to_payload(self) -> dict[str, Any]:
        """The JSON-compatible payload stored in the vault."""
        newer = self.unknown_components or any(
            isinstance(c, OutboundComponent) for c in self.components.values()
        )
        return {
            **self.extra,
            "schema": SCHEMA_VERSION if newer else 1,
            "environments": list(self.environments),
            "current_environment": self.current_environment,
            "components": [c.to_dict() for c in self.components.values()]
            + list(self.unknown_components),
            "tokens": {
                env: {name: tok.to_dict() for name, tok in per.items()}
                for env, per in self.tokens.items()
            },
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Records:
        """Parse a vault payload; an empty payload gives a fresh set of records."""
        if not payload:
            return cls()
        schema = payload.get("schema")
        if not isinstance(schema, int) or schema < 1:
            raise ValidationError("the vault's records are damaged (no schema version)")
        if schema > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"the vault's records were written by a newer tokendesk (schema {schema})",
                advice="upgrade tokendesk to use this vault",
            )
        known = {"schema", "environments", "current_environment", "components", "tokens"}
        components: dict[str, Component] = {}
        unknown: list[dict[str, Any]] = []
        for raw in payload.get("components", []):
            kind = COMPONENT_TYPES.get(raw.get("kind", ""))
            if kind is None:
                unknown.append(raw)
                continue
            comp = kind.from_vault(raw)
            components[comp.name] = comp
        tokens = {
            env: {name: TokenRecord.from_vault(t) for name, t in per.items()}
            for env, per in payload.get("tokens", {}).items()
        }
        return cls(
            environments=list(payload.get("environments") or DEFAULT_ENVIRONMENTS),
            current_environment=payload.get("current_environment") or DEFAULT_ENVIRONMENTS[0],
            components=components,
            tokens=tokens,
            extra={k: v for k, v in payload.items() if k not in known},
            unknown_components=unknown,
        )

    # ---------------------------------------------------------- components
    def get(self, name: str) -> Component:
        """The component called ``name``, or NotFoundError."""
        try:
            return self.components[name]
        except KeyError:
            raise NotFoundError(f"no component named {name!r}") from None

    def get_oauth(self, name_or_ref: str) -> OAuthComponent:
        """An OAuth2 component by name, ``@Variable`` or ``@{Variable}``."""
        if name_or_ref.startswith("@"):
            return self.by_variable(parse_variable_ref(name_or_ref))
        comp = self.get(name_or_ref)
        if not isinstance(comp, OAuthComponent):
            raise NotFoundError(f"{name_or_ref!r} is not an OAuth2 component")
        return comp

    def get_mail(self, name: str) -> MailComponent:
        """An inbound email component by name."""
        comp = self.get(name)
        if not isinstance(comp, MailComponent):
            raise NotFoundError(f"{name!r} is not an inbound email component")
        return comp

    def get_outbound(self, name: str) -> OutboundComponent:
        """An outbound email (SMTP submission) component by name."""
        comp = self.get(name)
        if not isinstance(comp, OutboundComponent):
            raise NotFoundError(f"{name!r} is not an outbound email component")
        return comp

    def by_variable(self, variable: str) -> OAuthComponent:
        """The OAuth2 component whose global variable is ``variable``."""
        for comp in self.oauth_components():
            if comp.variable == variable:
                return comp
        raise NotFoundError(f"no OAuth2 component has the variable @{variable}")

    def oauth_components(self) -> list[OAuthComponent]:
        """OAuth2 components in creation order."""
        return [c for c in self.components.values() if isinstance(c, OAuthComponent)]

    def mail_components(self) -> list[MailComponent]:
        """Inbound email components in creation order."""
        return [c for c in self.components.values() if isinstance(c, MailComponent)]

    def outbound_components(self) -> list[OutboundComponent]:
        """Outbound email components in creation order."""
        return [c for c in self.components.values() if isinstance(c, OutboundComponent)]

    def variables(self) -> list[str]:
        """Every ``@Variable`` that OAuth2 components offer."""
        return [c.reference for c in self.oauth_components()]

    def check(self, comp: Component, *, replacing: str | None = None) -> None:
        """Validate ``comp`` against the others (names, variables, references)."""
        others = {n: c for n, c in self.components.items() if n != replacing}
        if comp.name in others:
            raise ValidationError(f"a component named {comp.name!r} exists already", field="name")
        if isinstance(comp, OAuthComponent):
            for other in others.values():
                if isinstance(other, OAuthComponent) and other.variable == comp.variable:
                    raise ValidationError(
                        f"the variable @{comp.variable} is used by {other.name!r} already",
                        field="variable",
                    )
        elif comp.auth == "oauth":
            var = comp.variable
            if not any(
                isinstance(o, OAuthComponent) and o.variable == var for o in others.values()
            ):
                raise ValidationError(
                    f"unknown variable @{var}: no OAuth2 component defines it",
                    field="token_ref",
                    advice="the OAuth2 components define the variables that exist",
                    next_step=NextStep(Action.LIST_COMPONENTS),
                )

    def add(self, comp: Component) -> None:
        """Add a new component (validated against the others)."""
        self.check(comp)
        self.components[comp.name] = comp

    def replace(self, name: str, comp: Component) -> None:
        """Replace component ``name`` by ``comp`` (which may be renamed); tokens follow."""
        old = self.get(name)
        if type(old) is not type(comp):
            raise ValidationError("a component cannot change its kind")
        self.check(comp, replacing=name)
        if isinstance(old, OAuthComponent) and isinstance(comp, OAuthComponent):
            if old.variable != comp.variable:
                self._check_not_referenced(old, f"rename its variable @{old.variable}")
        items = [(comp.name, comp) if n == name else (n, c) for n, c in self.components.items()]
        self.components = dict(items)
        if comp.name != name:
            for per in self.tokens.values():
                if name in per:
                    per[comp.name] = per.pop(name)

    def remove(self, name: str) -> Component:
        """Delete a component and its tokens in every environment."""
        comp = self.get(name)
        if isinstance(comp, OAuthComponent):
            self._check_not_referenced(comp, "delete it")
        del self.components[name]
        for per in self.tokens.values():
            per.pop(name, None)
        return comp

    def check_removable(self, name: str) -> None:
        """Raise what ``remove(name)`` would raise, without removing anything."""
        comp = self.get(name)
        if isinstance(comp, OAuthComponent):
            self._check_not_referenced(comp, "delete it")

    def _check_not_referenced(self, comp: OAuthComponent, action: str) -> None:
        users = [
            c.name
            for c in self.components.values()
            if not isinstance(c, OAuthComponent) and c.variable == comp.variable
        ]
        if users:
            raise ValidationError(
                f"cannot {action}: @{comp.variable} is used by {', '.join(map(repr, users))}",
                advice="change or delete those components first",
            )

    # --------------------------------------------------------------- tokens
    def token(self, env: str, name: str) -> TokenRecord | None:
        """The tokens of component ``name`` in environment ``env``, if any."""
        self.require_environment(env)
        return self.tokens.get(env, {}).get(name)

    def set_token(self, env: str, name: str, token: TokenRecord) -> None:
        """Store tokens for ``name`` in ``env`` only; other environments are untouched."""
        self.require_environment(env)
        self.get_oauth(name)
        self.tokens.setdefault(env, {})[name] = token

    def drop_token(self, env: str, name: str) -> bool:
        """Forget the tokens of ``name`` in ``env``; True if there were any."""
        self.require_environment(env)
        return self.tokens.get(env, {}).pop(name, None) is not None

    # ---------------------------------------------------------- environments
    def require_environment(self, env: str) -> str:
        """Return ``env`` if it exists, else raise NotFoundError."""
        if env not in self.environments:
            raise NotFoundError(
                f"no environment named {env!r}",
                advice=f"environments: {', '.join(self.environments)}",
            )
        return env

    def add_environment(self, env: str) -> None:
        """Add an environment (1-32 letters, digits, space, _ . -)."""
        if not _ENV_NAME.fullmatch(env) or env != env.strip():
            raise ValidationError(
                f"bad environment name {env!r}: use 1-32 letters, digits, spaces, _ . -",
                field="environment",
            )
        if env.casefold() in (e.casefold() for e in self.environments):
            raise ValidationError(f"environment {env!r} exists already", field="environment")
        self.environments.append(env)

    def remove_environment(self, env: str) -> None:
        """Delete an environment and its tokens; the current one and the last one stay."""
        self.require_environment(env)
        if env == self.current_environment:
            raise ValidationError(
                f"cannot remove the current environment {env!r}",
                advice="switch to another environment first",
                next_step=NextStep(Action.SWITCH_ENVIRONMENT),
            )
        self.environments.remove(env)
        self.tokens.pop(env, None)

    def use_environment(self, env: str) -> None:
        """Make ``env`` the current environment."""
        self.current_environment = self.require_environment(env)

    def iter_tokens(self, env: str) -> Iterator[tuple[OAuthComponent, TokenRecord | None]]:
        """Each OAuth2 component with its tokens in ``env``."""
        per = self.tokens.get(env, {})
        for comp in self.oauth_components():
            yield comp, per.get(comp.name)
