"""Component models and records: presets, validation messages, per-environment tokens."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.errors import NotFoundError, ValidationError
from tui.core.models.base import parse_variable_ref
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.records import SCHEMA_VERSION, Records, SchemaTooNew
from tui.core.session import Session

MS = "https://login.microsoftonline.com/common/oauth2/v2.0"


def oauth(name="MS", **kw):
    base = dict(
        authorization_url="https://idp.example/authorize",
        token_url="https://idp.example/token",
        client_id="client",
    )
    base.update(kw)
    return OAuthComponent(name=name, **base)


def test_issue_example_component():
    comp = OAuthComponent(
        name="Microsoft",
        authorization_url=f"{MS}/authorize",
        token_url=f"{MS}/token",
        client_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        client_secret="1234567890_0987654321_1029384756",
        scope="offline_access https://outlook.office.com/IMAP.AccessAsUser.All",
        variable="MicrosoftAccessToken",
    )
    assert comp.refresh_delay == 25
    assert comp.reference == "@MicrosoftAccessToken"
    assert "1234567890" not in repr(comp)
    assert OAuthComponent.from_dict(comp.to_dict()) == comp


def test_microsoft_preset_fills_and_locks_endpoints():
    comp = OAuthComponent(
        name="M",
        type="microsoft",
        tenant="organizations",
        client_id="c",
        authorization_url="https://evil.example/a",
    )
    base = "https://login.microsoftonline.com/organizations/oauth2/v2.0"
    assert comp.authorization_url == f"{base}/authorize"
    assert comp.token_url == f"{base}/token"
    assert comp.device_authorization_url == f"{base}/devicecode"
    assert "offline_access" in comp.scope
    with pytest.raises(ValidationError) as info:
        dataclasses.replace(comp, tenant="bad tenant!")
    assert info.value.field == "tenant"


def test_google_preset():
    comp = OAuthComponent(name="G", type="google", client_id="c", client_secret="s")
    assert comp.token_url == "https://oauth2.googleapis.com/token"
    assert comp.scope == "https://mail.google.com/"
    assert dict(comp.extra_params) == {"access_type": "offline", "prompt": "consent"}
    again = OAuthComponent.from_dict(comp.to_dict())
    assert again.extra_params == comp.extra_params  # presets do not pile up


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"token_url": "http://idp.example/token"}, "token_url", "https"),
        ({"token_url": ""}, "token_url", "required"),
        ({"authorization_url": "ftp://x/y"}, "authorization_url", "https"),
        ({"client_id": " "}, "client_id", "required"),
        ({"refresh_delay": -1}, "refresh_delay", "0 to 86400"),
        ({"variable": "1abc"}, "variable", "identifier"),
        ({"redirect_port": 70000}, "redirect_port", "65535"),
        ({"auth_method": "magic"}, "auth_method", "one of"),
        ({"extra_params": (("state", "x"),)}, "extra_params", "set by tokendesk"),
        ({"name": ""}, "name", "required"),
        ({"name": "@x"}, "name", "leading @"),
        ({"type": "okta"}, "type", "one of"),
    ],
)
def test_oauth_validation_messages(changes, field, text):
    with pytest.raises(ValidationError) as info:
        dataclasses.replace(oauth(), **changes)
    assert info.value.field == field
    assert text in info.value.message


def test_loopback_http_is_allowed():
    comp = oauth(token_url="http://127.0.0.1:8080/token", authorization_url="http://localhost/a")
    assert comp.token_url.startswith("http://127.0.0.1")


def test_variable_references():
    assert parse_variable_ref("@Ms") == "Ms"
    assert parse_variable_ref("@{Ms_2}") == "Ms_2"
    for bad in ("Ms", "@", "@{Ms", "@1x", "@a b"):
        with pytest.raises(ValidationError):
            parse_variable_ref(bad)


def test_mail_component_defaults_and_validation():
    m = MailComponent(name="In", host="imap.example", token_ref="@{Ms}")
    assert (m.port, m.protocol, m.token_ref, m.folder, m.sasl) == (
        993,
        "imaps",
        "@Ms",
        "INBOX",
        "xoauth2",
    )
    assert MailComponent(name="In", host="h", protocol="imap", token_ref="@Ms").port == 143
    with pytest.raises(ValidationError, match="loopback"):
        MailComponent(
            name="In", host="imap.example", protocol="imap", token_ref="@Ms", allow_plaintext=True
        )
    with pytest.raises(ValidationError, match="Password is required"):
        MailComponent(name="In", host="h", auth="password", username="u")
    with pytest.raises(ValidationError, match="Host"):
        MailComponent(name="In", host=" ", token_ref="@Ms")
    pw = MailComponent(name="P", host="h", auth="password", username="u", password="hunter2")
    assert "hunter2" not in repr(pw)


def test_records_cross_component_rules():
    r = Records()
    r.add(oauth("MS", variable="MsTok"))
    with pytest.raises(ValidationError, match="exists already"):
        r.add(oauth("MS"))
    with pytest.raises(ValidationError, match="used by"):
        r.add(oauth("Other", variable="MsTok"))
    with pytest.raises(ValidationError, match="unknown variable @Nope"):
        r.add(MailComponent(name="In", host="h", token_ref="@Nope"))
    r.add(MailComponent(name="In", host="h", token_ref="@MsTok"))
    assert r.get_oauth("@{MsTok}").name == "MS"
    with pytest.raises(ValidationError, match="used by 'In'"):
        r.remove("MS")
    with pytest.raises(NotFoundError):
        r.get("nothing")


def test_tokens_are_per_environment_and_follow_renames():
    r = Records()
    r.add(oauth("MS"))
    r.set_token("Test", "MS", TokenRecord(access_token="t1", refresh_token="r1"))
    assert r.token("Production", "MS") is None
    r.replace("MS", dataclasses.replace(r.get("MS"), name="Microsoft"))
    assert r.token("Test", "Microsoft").access_token == "t1"
    with pytest.raises(NotFoundError):
        r.token("Nowhere", "Microsoft")
    again = Records.from_payload(r.to_payload())
    assert again == r


def test_token_freshness_and_status():
    t = TokenRecord(access_token="a", refresh_token="r", expires_at=1000.0)
    assert t.is_fresh(25, now=974)
    assert not t.is_fresh(25, now=975)
    assert t.status(25, now=900) == "fresh"
    assert t.status(25, now=990) == "expiring"
    assert t.status(25, now=1000) == "expired"
    assert TokenRecord().status(25) == "needs authorization"
    assert "a" != repr(t) and "'a'" not in repr(t)


def test_newer_schema_is_refused_and_unknown_keys_kept():
    with pytest.raises(SchemaTooNew):
        Records.from_payload({"schema": SCHEMA_VERSION + 1})
    r = Records.from_payload({**Records().to_payload(), "future": {"x": 1}})
    assert r.to_payload()["future"] == {"x": 1}


@given(st.text(min_size=1, max_size=64))
def test_component_names_never_crash_validation(name):
    try:
        comp = oauth(name)
    except ValidationError as exc:
        assert exc.field in ("name", "variable")
    else:
        assert comp.variable.isidentifier()


def test_session_edit_round_trip(session):
    with session.edit() as records:
        records.add(oauth("MS"))
        records.set_token("Production", "MS", TokenRecord(access_token="x"))
    reopened = Session.open(session.path, "correct horse battery staple")
    assert reopened.records.token("Production", "MS").access_token == "x"
    assert reopened.records.current_environment == "Test"


def test_invalid_host_is_named_not_called_missing():
    for bad in ("bad host", "imap://x.example", "x.example:993"):
        with pytest.raises(ValidationError, match="is not a host name or address"):
            MailComponent(name="In", host=bad, token_ref="@Ms")
    assert MailComponent(name="In", host="::1", token_ref="@Ms").host == "::1"


def test_account_never_falls_back_to_the_opaque_subject():
    assert TokenRecord(id_claims={"sub": "AAAAopaque"}).account == ""
    claims = {"sub": "x", "preferred_username": "me@example.com"}
    assert TokenRecord(id_claims=claims).account == "me@example.com"


def test_google_preset_has_no_device_endpoint():
    # Google's device flow does not allow the Gmail scope.
    comp = OAuthComponent(name="G", type="google", client_id="c", device_authorization_url="x")
    assert comp.device_authorization_url == ""
