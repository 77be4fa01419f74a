"""OAuth2 services: authorization (browser, browser-less, device), refresh, token status.

No Textual here: the CLI and the TUI drive the same objects. Modules:

* ``tokens``: ``fresh_token(session, name_or_var, env, force=False) -> TokenRecord``
  (locked, rotation-safe refresh), ``redeem_grant`` (the first tokens, journaled the same
  way), ``token_type_of``, ``record_from_reply``, ``sasl_string``.
* ``flow``: ``AuthorizationAttempt`` (authorization code + PKCE S256 + state + RFC 9207 ``iss``)
  with its loopback callback (``callback``) and the pasted-URL alternative.
* ``device``: ``DeviceFlow`` (RFC 8628) with a terminal QR code.
* ``browser``: ``browser_usable()``, ``open_browser(url, on_result)`` (reports a
  ``BrowserResult`` within seconds: a browser that cannot start means show the URL and offer
  the paste), ``ssh_tunnel_command(port)``.
* ``callback``: ``registration_redirect_uri(component)`` (what to register), ``SUCCESS_TEXT``.
* ``protocol``: token endpoint calls on authlib's httpx client; ``classify``: provider errors
  to ``tui.core.errors`` with one-line next steps.
* ``status``: ``token_status(records, env)`` rows, ``iso_utc``.
* ``discovery``: ``discover(issuer)`` -> ``ProviderMetadata`` (OpenID Connect, then RFC 8414;
  the issuer must match; https only off loopback; bounded).
* ``revocation``: ``forget_tokens(session, name, env, revoke=True)`` and
  ``remove_component`` (RFC 7009 revocation, then the local tokens go whatever it said).
* ``inspect``: ``build_report(component, tok, env)`` (no token inside), ``report_rows``,
  ``introspect`` (RFC 7662).
* ``health``: ``token_health(component, tok, now)`` (age, last use, cliffs, next step),
  ``keepalive_due``.

Driving a flow from a UI (every blocking call belongs in a worker thread)::

    attempt = AuthorizationAttempt(component, session=session, env=env)  # binds the port
    show(attempt.url, attempt.redirect_uri)
    attempt.open_browser(on_result)    # never blocks; on_result(BrowserResult) from a thread:
                                       # not result.ok -> show the URL, offer the paste
    tok = attempt.wait(timeout)        # worker thread; raises a TokendeskError on failure
    attempt.cancel()                   # any thread: wait() raises, the port is freed
    attempt.submit_pasted_url(text)    # any thread: UsageError if it is not a redirect URL

    flow = DeviceFlow(component, session=session, env=env)  # one HTTP request: in a worker
    show(flow.verification_uri, flow.user_code, flow.qr_text())
    tok = flow.wait(timeout)           # worker thread; flow.cancel() from any thread

Importing this package is cheap: httpx and authlib load only when a request is made.
Network timeout: ``TOKENDESK_HTTP_TIMEOUT`` seconds (default 30; above 0, at most 600, else a
UsageError naming the variable).
"""
