"""Refresh-token health: each known cliff, with the clock moved to just before and past it."""

from __future__ import annotations

import pytest

from tui.core.models.oauth import OAuthComponent, TokenRecord
from tui.core.oauth.health import DAY, keepalive_due, token_health

T0 = 1_700_000_000.0


def comp(kind: str = "custom") -> OAuthComponent:
    if kind == "custom":
        return OAuthComponent(
            name="C",
            token_url="https://id.example/token",
            authorization_url="https://id.example/auth",
            client_id="c",
        )
    return OAuthComponent(name="C", type=kind, client_id="c")  # type: ignore[arg-type]


def tok(**fields) -> TokenRecord:
    base = dict(
        access_token="a",
        refresh_token="r",
        expires_at=T0 + 3600,
        obtained_at=T0,
        refresh_token_issued_at=T0,
    )
    base.update(fields)
    return TokenRecord(**base)


def test_no_known_cliff_is_ok_with_age_and_last_use():
    health = token_health(comp(), tok(last_refresh=T0 + 2 * DAY), now=T0 + 3 * DAY)
    assert health.level == "ok"
    assert health.summary == "refresh token 3d 0h old, last used 1d 0h ago; no known expiry"
    assert health.age == 3 * DAY and health.since_use == DAY


@pytest.mark.parametrize(
    ("days", "level", "step"),
    [(5, "ok", ""), (6.5, "warning", "publish"), (8, "warning", "publish")],
)
def test_google_testing_apps_seven_days(days, level, step):
    health = token_health(comp("google"), tok(), now=T0 + days * DAY)
    assert (health.level, health.step) == (level, step)
    assert "7 days after sign-in" in health.summary
    if days > 7:
        assert "passed (if it applies)" in health.summary
        assert "publish the app" in health.advice


def test_google_refresh_after_day_seven_proves_the_app_is_published():
    health = token_health(comp("google"), tok(last_refresh=T0 + 8 * DAY), now=T0 + 20 * DAY)
    assert health.level == "ok" and health.cliff is None


@pytest.mark.parametrize(
    ("days", "level", "step"),
    [(70, "ok", ""), (80, "warning", "refresh"), (91, "expired", "authorize")],
)
def test_microsoft_ninety_days_of_inactivity(days, level, step):
    health = token_health(comp("microsoft"), tok(), now=T0 + days * DAY)
    assert (health.level, health.step) == (level, step)
    assert "unused for 90 days" in health.summary
    assert keepalive_due(comp("microsoft"), tok(), T0 + days * DAY) is (level == "warning")


def test_microsoft_window_restarts_at_each_refresh():
    health = token_health(comp("microsoft"), tok(last_refresh=T0 + 60 * DAY), now=T0 + 91 * DAY)
    assert health.level == "ok" and "(in 59d 0h)" in health.summary


@pytest.mark.parametrize(("hours", "level"), [(10, "ok"), (20, "warning"), (25, "expired")])
def test_provider_refresh_token_expires_in(hours, level):
    record = tok(refresh_token_expires_at=T0 + DAY)  # a 24 h refresh token: warn 6 h before
    health = token_health(comp(), record, now=T0 + hours * 3600)
    assert health.level == level
    assert "the provider said when the refresh token ends" in health.summary


def test_no_refresh_token_and_rejected_and_none():
    assert token_health(comp(), tok(refresh_token=""), now=T0).level == "no refresh token"
    rejected = token_health(comp(), tok(needs_reauthorization=True), now=T0)
    assert (rejected.level, rejected.step) == ("expired", "authorize")
    none = token_health(comp(), None, now=T0)
    assert none.level == "not authorized"
    # `inspect` prints "Health: LEVEL: SUMMARY": the summary must say something more.
    assert none.summary == "no tokens in this environment yet"


def test_to_dict_has_no_token():
    d = token_health(comp("microsoft"), tok(), now=T0 + 80 * DAY).to_dict()
    assert d["level"] == "warning" and d["cliff"]["at"] == "2024-02-12T22:13:20Z"
    assert "'r'" not in repr(d) and "'a'" not in repr(d)
