"""Only literal loopback addresses and exactly ``localhost`` count as loopback.

``*.localhost`` names are resolved by DNS like any other (RFC 6761 only asks resolvers to
keep them local, and many do not), so plain http and plaintext IMAP are refused for them.
"""

from __future__ import annotations

import pytest

from tui.core.errors import ValidationError
from tui.core.mail.errors import MailPlaintextRefused
from tui.core.mail.settings import ConnectionSettings
from tui.core.mail.transport import secure_mode
from tui.core.models.base import is_loopback_host
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent

LOOPBACK = ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "::1", "[::1]"]
NOT_LOOPBACK = [
    "evil.localhost", "localhost.", "a.b.localhost", "localhost.evil.example", "127.0.0.1.nip.io",
    "0.0.0.0", "10.0.0.1", "::", "[::ffff:8.8.8.8]", "",
]  # fmt: skip


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_not_loopback(host):
    assert not is_loopback_host(host)


def test_plain_http_to_a_localhost_subdomain_is_refused():
    ok = {"authorization_url": "https://idp.example/a", "client_id": "c"}
    with pytest.raises(ValidationError, match="https"):
        OAuthComponent(name="X", token_url="http://evil.localhost/token", **ok)
    OAuthComponent(name="X", token_url="http://localhost:8080/token", **ok)


def test_plaintext_imap_to_a_localhost_subdomain_is_refused():
    with pytest.raises(ValidationError, match="loopback"):
        MailComponent(name="M", host="evil.localhost", protocol="imap", allow_plaintext=True,
                      auth="password", username="u", password="p")  # fmt: skip
    with pytest.raises(MailPlaintextRefused):
        settings = ConnectionSettings("evil.localhost", 143, "imap", allow_plaintext=True)
        secure_mode(settings, starttls_offered=False)
