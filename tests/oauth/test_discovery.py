"""Discovery against the test IdP: OpenID Connect first, RFC 8414 second, strict checks."""

from __future__ import annotations

import pytest

from tui.core.errors import ConfigurationError, OperationFailed, TransientError, ValidationError
from tui.core.oauth.discovery import discover, metadata_urls


def test_openid_configuration_fills_every_endpoint(idp):
    found = discover(idp.issuer)
    assert found.issuer == idp.issuer
    assert found.source == idp.url + "/.well-known/openid-configuration"
    assert found.component_fields() == {
        "issuer": idp.issuer,
        "authorization_url": idp.authorize_url,
        "token_url": idp.token_url,
        "device_authorization_url": idp.device_url,
        "revocation_url": idp.revoke_url,
        "introspection_url": idp.introspect_url,
    }
    assert found.missing == []
    assert idp.request_log == ["GET /.well-known/openid-configuration"]


def test_rfc8414_fallback_inserts_the_well_known_path_before_the_issuer_path(idp):
    idp.issuer_path = "/tenants/acme"
    idp.metadata_documents = ("rfc8414",)
    found = discover(idp.issuer)
    assert found.source == idp.url + "/.well-known/oauth-authorization-server/tenants/acme"
    assert found.issuer == idp.url + "/tenants/acme"
    assert idp.request_log == [
        "GET /tenants/acme/.well-known/openid-configuration",
        "GET /.well-known/oauth-authorization-server/tenants/acme",
    ]


def test_metadata_urls_for_an_issuer_with_a_trailing_slash():
    assert metadata_urls("https://id.example/realm/") == [
        "https://id.example/realm/.well-known/openid-configuration",
        "https://id.example/.well-known/oauth-authorization-server/realm",
    ]


def test_a_trailing_slash_typed_by_the_user_is_the_same_issuer(idp):
    assert discover(idp.issuer + "/").issuer == idp.issuer


def test_mismatched_issuer_is_refused(idp):
    idp.metadata_issuer = "https://evil.example\x1b[31m"
    with pytest.raises(ConfigurationError) as err:
        discover(idp.issuer)
    assert "refused (RFC 8414 section 3.3)" in err.value.message
    assert "\x1b" not in err.value.message
    assert "https://evil.example" in err.value.message


def test_missing_optional_endpoints_are_listed(idp):
    idp.metadata_omit = ("revocation_endpoint", "introspection_endpoint")
    found = discover(idp.issuer)
    assert found.missing == ["revocation_url", "introspection_url"]
    assert found.component_fields()["revocation_url"] == ""


def test_missing_token_endpoint_is_an_error(idp):
    idp.metadata_omit = ("token_endpoint",)
    with pytest.raises(ConfigurationError, match="has no token_endpoint"):
        discover(idp.issuer)


def test_an_http_endpoint_off_loopback_in_the_document_is_refused(idp):
    idp.metadata_extra = {"revocation_endpoint": "http://id.example/revoke"}
    with pytest.raises(ConfigurationError, match="revocation_endpoint is not acceptable"):
        discover(idp.issuer)


def test_http_issuer_off_loopback_is_refused_without_a_request(idp):
    with pytest.raises(ValidationError, match="must use https"):
        discover("http://id.example")
    with pytest.raises(ValidationError, match="query or fragment"):
        discover(idp.issuer + "?x=1")
    assert idp.request_log == []


def test_no_document_at_either_path(idp):
    idp.metadata_documents = ()
    with pytest.raises(OperationFailed, match="no provider metadata") as err:
        discover(idp.issuer)
    assert "HTTP 404" in err.value.message


def test_an_oversized_document_is_refused(idp):
    idp.metadata_extra = {"padding": "x" * (300 * 1024)}
    with pytest.raises(ConfigurationError, match="larger than 256 KB"):
        discover(idp.issuer)


def test_server_down_is_transient(idp):
    url = idp.issuer
    idp.stop()
    with pytest.raises(TransientError, match="connection refused"):
        discover(url, timeout=5)


def test_a_server_that_never_answers_is_left_at_the_deadline(idp):
    idp.metadata_hang = True
    with pytest.raises(TransientError, match="within 1 s"):
        discover(idp.issuer, timeout=1)
