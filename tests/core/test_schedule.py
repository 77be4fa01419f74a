"""Unit tests for the background refresh schedule (which tokens are due, back-off)."""

from __future__ import annotations

from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.oauth.schedule import BACKOFF_FIRST, BACKOFF_MAX, RefreshSchedule
from tui.core.records import Records

NOW = 1_000_000.0


def records_with(expires_in: float, *, refresh: str = "r", env: str = "Test") -> Records:
    records = Records()
    records.add(OAuthComponent(name="A", type="microsoft", client_id="x"))
    token = TokenRecord(access_token="a", refresh_token=refresh, expires_at=NOW + expires_in)
    records.set_token(env, "A", token)
    return records


def test_only_stale_tokens_with_a_refresh_token_are_due() -> None:
    schedule = RefreshSchedule()
    assert schedule.due(records_with(3600), NOW) == []
    assert schedule.due(records_with(10), NOW) == [("Test", "A")]
    assert schedule.due(records_with(10, refresh=""), NOW) == []


def test_every_environment_is_scheduled() -> None:
    records = records_with(10, env="Production")
    assert RefreshSchedule().due(records, NOW) == [("Production", "A")]
    assert RefreshSchedule().due(records, NOW, ["Test"]) == []


def test_failures_back_off_doubling_up_to_the_maximum() -> None:
    schedule = RefreshSchedule()
    records = records_with(10)
    key = ("Test", "A")
    assert schedule.failed(key, NOW, "boom") is True
    assert schedule.waiting_until(key) == NOW + BACKOFF_FIRST
    assert schedule.due(records, NOW + BACKOFF_FIRST - 1) == []
    assert schedule.due(records, NOW + BACKOFF_FIRST) == [key]
    assert schedule.failed(key, NOW, "boom") is False  # the same text is reported once
    assert schedule.waiting_until(key) == NOW + 2 * BACKOFF_FIRST
    for _ in range(10):
        schedule.failed(key, NOW, "boom")
    assert schedule.waiting_until(key) == NOW + BACKOFF_MAX
    schedule.succeeded(key)
    assert schedule.waiting_until(key) is None
    assert schedule.failed(key, NOW, "boom") is True
