"""The test IdP itself behaves like a strict real one (the other tests rely on it)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from tests.support.fixtures_vault import REPO
from tests.support.idp import CONFIDENTIAL_CLIENT, PUBLIC_CLIENT
from tests.support.idp_records import s256


def authorize(idp, verifier="v" * 50, redirect="http://127.0.0.1:9/cb", **extra):
    params = {
        "response_type": "code", "client_id": PUBLIC_CLIENT, "redirect_uri": redirect,
        "state": "s", "code_challenge": s256(verifier), "code_challenge_method": "S256",
        "scope": "openid", **extra,
    }  # fmt: skip
    resp = httpx.get(idp.authorize_url, params=params)
    assert resp.status_code == 302
    return httpx.URL(resp.headers["location"]).params


def exchange(idp, code, verifier="v" * 50, redirect="http://127.0.0.1:9/cb"):
    return httpx.post(
        idp.token_url,
        data={
            "grant_type": "authorization_code", "code": code, "client_id": PUBLIC_CLIENT,
            "redirect_uri": redirect, "code_verifier": verifier,
        },
    )  # fmt: skip


def test_pkce_is_verified_and_codes_are_single_use(idp):
    q = authorize(idp)
    assert q["iss"] == idp.url and q["state"] == "s"
    bad = exchange(idp, q["code"], verifier="w" * 50)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    q = authorize(idp)
    good = exchange(idp, q["code"])
    assert good.status_code == 200
    replay = exchange(idp, q["code"])
    assert replay.json()["error"] == "invalid_grant"
    assert idp.token_state(good.json()["access_token"]) == "revoked"  # replay revokes the grant


def test_redirect_uri_must_match_and_be_loopback(idp):
    q = authorize(idp)
    assert exchange(idp, q["code"], redirect="http://127.0.0.1:10/cb").status_code == 400
    resp = httpx.get(
        idp.authorize_url,
        params={"response_type": "code", "client_id": PUBLIC_CLIENT,
                "redirect_uri": "https://evil.example/cb"},
    )  # fmt: skip
    assert resp.status_code == 400 and "AADSTS50011" in resp.text


def test_introspection_needs_resource_server_credentials(idp):
    tok = idp.issue_token("carol@example.test", scope="imap")
    url = idp.introspect_url
    assert httpx.post(url, data={"token": tok.access_token}).status_code == 401
    wrong = httpx.post(url, data={"token": tok.access_token}, auth=("dovecot", "nope"))
    assert wrong.status_code == 401
    ok = httpx.post(url, data={"token": tok.access_token}, auth=idp.introspection_credentials)
    body = ok.json()
    assert body["active"] and body["username"] == "carol@example.test" and body["scope"] == "imap"
    bearer = httpx.get(url, headers={"Authorization": f"Bearer {tok.access_token}"})
    assert bearer.json()["username"] == "carol@example.test"
    for token in (tok.refresh_token, "garbage"):
        r = httpx.post(url, data={"token": token}, auth=idp.introspection_credentials)
        assert r.json() == {"active": False}
    idp.expire(tok.access_token)
    r = httpx.post(url, data={"token": tok.access_token}, auth=idp.introspection_credentials)
    assert r.json() == {"active": False}


def test_short_lived_tokens_expire(idp):
    idp.access_token_lifetime = 0
    tok = idp.issue_token()
    assert idp.token_state(tok.access_token) == "expired"


@pytest.mark.parametrize("fault", ["500", "html", "invalid_json"])
def test_faults_change_no_state(idp, fault):
    tok = idp.issue_token()
    idp.token_fault = fault
    data = {"grant_type": "refresh_token", "refresh_token": tok.refresh_token}
    httpx.post(idp.token_url, data=data, auth=CONFIDENTIAL_CLIENT)
    assert idp.token_state(tok.refresh_token) == "active" and idp.stats["refresh"] == 0


def test_subprocess_mode_and_admin_api():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.idp", "--port", "0", "--access-lifetime", "77"],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        tok = httpx.post(f"{url}/_admin/issue", json={"user": "dave@example.test"}).json()
        assert tok["expires_in"] == 77
        creds = ("dovecot", "dovecot-introspect-secret")
        body = httpx.post(f"{url}/introspect", data={"token": tok["access_token"]}, auth=creds)
        assert body.json()["username"] == "dave@example.test"
        httpx.post(f"{url}/_admin/revoke", json={"token": tok["refresh_token"]})
        body = httpx.post(f"{url}/introspect", data={"token": tok["access_token"]}, auth=creds)
        assert body.json() == {"active": False}
        assert httpx.post(f"{url}/_admin/config", json={"nope": 1}).status_code == 400
    finally:
        proc.terminate()
        assert proc.wait(10) == 0


def _refused(resp, error="invalid_request"):
    assert resp.status_code in (400, 401), resp.text
    assert resp.json()["error"] == error
    return resp.json()["error_description"]


def test_strict_repeated_parameters_are_refused_everywhere(idp):
    """RFC 6749 3.1: a parameter must not appear twice (query or body, every endpoint)."""
    body = f"grant_type=refresh_token&refresh_token=x&client_id={PUBLIC_CLIENT}&client_id=x"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for url in (idp.token_url, idp.device_url, idp.introspect_url, idp.url + "/revoke"):
        desc = _refused(httpx.post(url, content=body, headers=form))
        assert desc == "'client_id' parameter must not be provided twice"
    page = httpx.get(idp.authorize_url + "?response_type=code&response_type=code")
    assert page.status_code == 400 and "provided twice" in page.text
    assert len(idp.violations) == 5
    idp.violations.clear()


def test_strict_one_client_authentication_method(idp):
    """RFC 6749 2.3: HTTP Basic and client_secret in the body at once is refused."""
    cid, secret = CONFIDENTIAL_CLIENT
    tok = idp.issue_token()
    data = {"grant_type": "refresh_token", "refresh_token": tok.refresh_token}
    both = httpx.post(
        idp.token_url, data={**data, "client_id": cid, "client_secret": secret}, auth=(cid, secret)
    )
    assert "more than one authentication method" in _refused(both)
    other = httpx.post(idp.device_url, data={"client_id": PUBLIC_CLIENT}, auth=(cid, secret))
    _refused(other, "invalid_client")
    assert idp.token_state(tok.refresh_token) == "active"  # nothing was spent
    ok = httpx.post(idp.token_url, data=data, auth=(cid, secret))
    assert ok.status_code == 200
    idp.violations.clear()


def test_strict_grant_types_and_body_type(idp):
    public = {"client_id": PUBLIC_CLIENT}
    assert "grant_type" in _refused(httpx.post(idp.token_url, data=public))
    unknown = httpx.post(idp.token_url, data={**public, "grant_type": "password"})
    _refused(unknown, "unsupported_grant_type")
    as_json = httpx.post(idp.token_url, json={**public, "grant_type": "refresh_token"})
    assert "x-www-form-urlencoded" in _refused(as_json)
    poll = {**public, "grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
    assert "device_code" in _refused(httpx.post(idp.token_url, data=poll))
    idp.violations.clear()


def test_strict_redirect_uri_at_the_token_endpoint(idp):
    """The token request must repeat the authorization request's redirect_uri exactly."""
    q = authorize(idp)
    missing = httpx.post(
        idp.token_url,
        data={"grant_type": "authorization_code", "code": q["code"], "client_id": PUBLIC_CLIENT,
              "code_verifier": "v" * 50},
    )  # fmt: skip
    assert "redirect_uri" in _refused(missing, "invalid_grant")
    q = authorize(idp)
    assert exchange(idp, q["code"], redirect="http://localhost:9/cb").status_code == 400
