"""OAuth2 services: authorization (browser, browser-less, device), refresh, token status.

No Textual here: the CLI and the TUI drive the same objects. Modules:

* ``tokens``: ``fresh_token(session, name_or_var, env)`` (locked, rotation-safe refresh),
  storing new grants, SASL strings.
* ``flow``: ``AuthorizationAttempt`` (authorization code + PKCE S256 + state + RFC 9207 ``iss``)
  with its loopback callback (``callback``) and the pasted-URL alternative.
* ``device``: ``DeviceFlow`` (RFC 8628) with a terminal QR code.
* ``browser``: whether a browser is usable, opening it, the ``ssh -L`` hint.
* ``protocol``: token endpoint calls on authlib's httpx client; ``classify``: provider errors
  to ``tui.errors`` with one-line next steps.
* ``status``: per-component token status rows.

Importing this package is cheap: httpx and authlib load only when a request is made.
"""
