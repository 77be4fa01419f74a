"""Unit tests for renaming environments and listing the tokens a removal drops."""

from __future__ import annotations

import pytest

from tui.core.environments import rename_environment, tokens_in
from tui.core.errors import ValidationError
from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.records import Records


def sample() -> Records:
    records = Records()
    records.add(OAuthComponent(name="A", type="microsoft", client_id="x"))
    records.set_token("Test", "A", TokenRecord(access_token="a"))
    records.use_environment("Test")
    return records


def test_rename_keeps_tokens_place_and_currency() -> None:
    records = sample()
    before = list(records.environments)
    rename_environment(records, "Test", "Staging")
    assert records.environments == [("Staging" if e == "Test" else e) for e in before]
    assert records.current_environment == "Staging"
    assert tokens_in(records, "Staging") == ["A"] and tokens_in(records, "Test") == []


def test_rename_refuses_bad_and_duplicate_names() -> None:
    records = sample()
    other = next(e for e in records.environments if e != "Test")
    with pytest.raises(ValidationError):
        rename_environment(records, "Test", other)
    with pytest.raises(ValidationError):
        rename_environment(records, "Test", "bad/name")
    assert "Test" in records.environments
    rename_environment(records, "Test", "TEST")
    assert "TEST" in records.environments and records.current_environment == "TEST"
