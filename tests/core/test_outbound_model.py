"""The outbound component model and how the vault's records keep it (schema 2 only when
needed; kinds a version does not know are kept, not dropped)."""

from __future__ import annotations

import dataclasses

import pytest

from tui.core.errors import ValidationError
from tui.core.models.mail import MailComponent
from tui.core.models.oauth import OAuthComponent
from tui.core.models.outbound import OutboundComponent
from tui.core.records import SCHEMA_VERSION, Records


def _records() -> Records:
    r = Records()
    r.add(
        OAuthComponent(
            name="IdP",
            authorization_url="https://idp.example/a",
            token_url="https://idp.example/t",
            client_id="c",
            variable="Tok",
        )
    )
    return r


def test_defaults_and_validation():
    out = OutboundComponent(name="Out", host="smtp.example.com", token_ref="@Tok")
    assert (out.protocol, out.port, out.sasl) == ("smtps", 465, "xoauth2")
    assert dataclasses.replace(out, protocol="smtp", port=0).port == 587
    with pytest.raises(ValidationError, match="smtps or smtp"):
        OutboundComponent(name="Out", host="h", protocol="imaps", token_ref="@Tok")
    with pytest.raises(ValidationError, match="only allowed for protocol smtp on a loopback"):
        OutboundComponent(name="O", host="smtp.example.com", protocol="smtp", token_ref="@Tok",
                          allow_plaintext=True)  # fmt: skip
    with pytest.raises(ValidationError, match="not a plain address"):
        OutboundComponent(name="O", host="h", token_ref="@Tok", from_address="a@b\nBcc: x@y")
    with pytest.raises(ValidationError, match="Password is required"):
        OutboundComponent(name="O", host="h", auth="password", username="u")


def test_inbound_pop3_and_content():
    pop = MailComponent(name="P", host="h", protocol="pop3", token_ref="@Tok")
    assert pop.port == 110 and pop.is_pop3 and pop.content == "both"
    with pytest.raises(ValidationError, match="POP3 has one folder"):
        MailComponent(name="P", host="h", protocol="pop3s", token_ref="@Tok", folder="Sent")
    with pytest.raises(ValidationError, match="Content must be"):
        MailComponent(name="P", host="h", token_ref="@Tok", content="everything")


def test_schema_2_only_with_outbound_components_and_round_trip():
    r = _records()
    r.add(MailComponent(name="In", host="h", token_ref="@Tok"))
    assert r.to_payload()["schema"] == 1  # an older tokendesk still opens this vault
    r.add(OutboundComponent(name="Out", host="h", token_ref="@Tok"))
    payload = r.to_payload()
    assert payload["schema"] == SCHEMA_VERSION == 2  # an older one refuses, drops nothing
    again = Records.from_payload(payload)
    assert again.get_outbound("Out") == r.get("Out")
    with pytest.raises(ValidationError, match="used by 'In', 'Out'"):
        again.remove("IdP")


def test_unknown_component_kinds_are_kept():
    payload = _records().to_payload()
    future = {"kind": "calendar", "name": "Cal", "whatever": [1, 2]}
    payload["components"].append(future)
    records = Records.from_payload(payload)
    assert "Cal" not in records.components
    assert future in records.to_payload()["components"]
    assert records.to_payload()["schema"] == 2
