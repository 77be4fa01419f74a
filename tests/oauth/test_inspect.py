"""Inspection of real tokens from the test IdP: opaque and JWT, introspection, findings."""

from __future__ import annotations

import json

from tui.core.oauth.inspect import build_report, introspect
from tui.core.oauth.revocation import revoke_tokens
from tui.core.oauth.tokens import fresh_token

SCOPE = "openid email offline_access imap"


def no_token_in(report, *tokens: str) -> None:
    text = json.dumps(report.to_dict())
    for token in tokens:
        assert token and token not in text


def test_opaque_token_after_refresh_reads_the_id_token(oauth_session, idp):
    session, _ = oauth_session(scope=SCOPE)
    tok = fresh_token(session, "Mail", "Test", force=True)
    tok = fresh_token(session, "Mail", "Test", force=True)
    comp = session.records.get_oauth("Mail")
    report = build_report(comp, tok, "Test")
    assert report.access_token_format == "opaque" and report.access_token_claims == {}
    assert report.account == "alice@example.test" and report.sources["account"] == "id_token"
    assert report.issuer == idp.issuer and report.audience == ("tokendesk-test",)
    assert report.granted_scopes == tuple(SCOPE.split()) and report.missing_scopes == ()
    assert report.refresh_token and report.refresh_token_rotations == 2
    assert report.findings == () and report.health.level == "ok"
    no_token_in(report, tok.access_token, tok.refresh_token)


def test_jwt_access_token_claims_are_shown_not_trusted(oauth_session, idp):
    idp.jwt_access_tokens = True
    session, records = oauth_session(scope=SCOPE)
    tok = records.token("Test", "Mail")
    report = build_report(records.get_oauth("Mail"), tok, "Test")
    assert report.access_token_format == "JWT"
    assert report.access_token_claims["iss"] == idp.issuer
    assert report.audience == ("https://mail.example.test",)
    assert report.sources["aud"] == "access token (JWT, not verified)"
    assert report.account == "alice@example.test"
    no_token_in(report, tok.access_token, tok.refresh_token)


def test_introspection_answer_is_used_and_revocation_shows_inactive(oauth_session, idp):
    session, records = oauth_session(
        scope=SCOPE, introspection_url=idp.introspect_url, revocation_url=idp.revoke_url
    )
    comp, tok = records.get_oauth("Mail"), records.token("Test", "Mail")
    answer = introspect(comp, tok.access_token)
    assert answer["active"] is True
    report = build_report(comp, tok, "Test", introspection=answer)
    assert report.sources["scope"] == "introspection" and report.introspection["active"] == "True"
    assert report.account == "alice@example.test"
    assert revoke_tokens(comp, tok, "Test").ok
    after = build_report(comp, tok, "Test", introspection=introspect(comp, tok.access_token))
    assert after.introspection == {"active": "False"}
    assert any("not active" in f.message for f in after.findings)


def test_missing_mail_scope_is_a_finding_with_the_fix(oauth_session, idp):
    idp.granted_scope_drop = ("imap",)
    session, records = oauth_session(scope=SCOPE)
    report = build_report(records.get_oauth("Mail"), records.token("Test", "Mail"), "Test")
    assert report.missing_scopes == ("imap",)
    (finding,) = report.findings
    assert finding.message == "the provider did not grant: imap"
    assert "mail scope was dropped" in finding.hint and "consent" in finding.hint


def test_missing_refresh_token_is_a_finding_with_the_fix(oauth_session, idp):
    idp.issue_refresh_tokens = False
    session, records = oauth_session(scope="openid email imap")
    report = build_report(records.get_oauth("Mail"), records.token("Test", "Mail"), "Test")
    assert not report.refresh_token and report.health.level == "no refresh token"
    (finding,) = report.findings
    assert finding.message.startswith("no refresh token came back")
    assert finding.hint == "add offline_access to the scope and authorize again"


def test_refresh_token_expires_in_is_kept_through_a_refresh(oauth_session, idp):
    idp.refresh_token_lifetime = 86400
    session, _ = oauth_session(scope=SCOPE, expires_in=0)
    tok = fresh_token(session, "Mail", "Test")
    assert tok.refresh_token_expires_at is not None
    assert 86000 < tok.refresh_token_expires_at - tok.obtained_at <= 86400
    report = build_report(session.records.get_oauth("Mail"), tok, "Test")
    assert "the provider said when the refresh token ends" in report.health.summary


def test_no_tokens_report():
    from tui.core.models.oauth import OAuthComponent

    comp = OAuthComponent(
        name="X",
        token_url="https://i.example/t",
        client_id="c",
        authorization_url="https://i.example/a",
    )
    report = build_report(comp, None, "Test")
    assert report.access_token_format == "none" and report.health.level == "not authorized"


def test_hostile_claims_are_shown_sanitized():
    import base64

    from tui.core.models.oauth import OAuthComponent, TokenRecord
    from tui.core.oauth.inspect import report_rows

    def part(obj) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    claims = {"iss": "https://evil\x1b[31m.example\u202e", "aud": ["a\x07b"], "email": "x\ny"}
    jwt = f"{part({'alg': 'none'})}.{part(claims)}.sig"
    comp = OAuthComponent(
        name="X",
        token_url="https://i.example/t",
        client_id="c",
        authorization_url="https://i.example/a",
    )
    report = build_report(comp, TokenRecord(access_token=jwt, refresh_token="r"), "Test")
    text = json.dumps(report.to_dict(), ensure_ascii=False) + repr(report_rows(report))
    for bad in ("\x1b", "\u202e", "\x07", "x\ny"):
        assert bad not in text
    assert report.issuer == "https://evil [31m.example" and report.account == "x y"
    assert jwt not in text


def test_an_unreachable_introspection_endpoint_is_reported_not_fatal(oauth_session, idp, cli):
    session, records = oauth_session(introspection_url=idp.introspect_url)
    idp.stop()
    res = cli("inspect", "Mail", env={"TOKENDESK_HTTP_TIMEOUT": "5"})
    assert res.returncode == 0, res.stderr
    assert "  Introspection:    failed: introspection failed: could not connect" in res.stdout
    assert records.token("Test", "Mail").access_token not in res.stdout + res.stderr
