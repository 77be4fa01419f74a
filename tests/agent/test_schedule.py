"""The refresh schedule as pure logic: no processes, no clock."""

from __future__ import annotations

from tui.core.agent.schedule import (
    BACKOFF_CAP,
    BACKOFF_MIN,
    Schedule,
    TokenInfo,
    clock_jumped,
)


def info(**kw) -> TokenInfo:
    fields = dict(
        environment="Test",
        name="Mail",
        refresh_delay=25.0,
        has_access_token=True,
        has_refresh_token=True,
        expires_at=1000.0,
        needs_reauthorization=False,
        last_used=0.0,
        version=1.0,
    )
    fields.update(kw)
    return TokenInfo(**fields)


def test_due_at_expiry_minus_refresh_delay():
    sched = Schedule()
    assert sched.plan(info()).at == 975.0
    assert sched.due([info()], 974.9) == []
    assert [d.name for d in sched.due([info()], 975.0)] == ["Mail"]


def test_keep_alive_comes_first_when_earlier():
    sched = Schedule(keep_alive=500.0)
    plan = sched.plan(info(expires_at=None, last_used=100.0))
    assert (plan.at, plan.keep_alive) == (600.0, True)
    plan = sched.plan(info(expires_at=1000.0, last_used=900.0))
    assert (plan.at, plan.keep_alive) == (975.0, False)


def test_no_expiry_and_no_keep_alive_is_never_due():
    sched = Schedule()
    plan = sched.plan(info(expires_at=None))
    assert plan.at is None and plan.state == "no expiry"
    assert sched.next_wake([info(expires_at=None)]) is None


def test_refresh_token_without_access_token_is_due_at_once():
    assert Schedule().plan(info(has_access_token=False, expires_at=None)).at == 0.0


def test_needs_sign_in_stops_asking():
    sched = Schedule()
    assert sched.plan(info(needs_reauthorization=True)).at is None
    sched.rejected("Test", "Mail", "invalid_grant")
    assert sched.plan(info()).at is None
    assert sched.plan(info()).state == "needs sign-in"
    # A new sign-in writes a new record: the slot is scheduled again.
    assert sched.plan(info(version=2.0)).at == 975.0


def test_no_refresh_token_is_not_scheduled():
    plan = Schedule().plan(info(has_refresh_token=False))
    assert plan.at is None and plan.state == "no refresh token"


def test_backoff_doubles_with_jitter_and_caps():
    sched = Schedule(rand=lambda: 1.0)  # the largest jitter
    sched.plan(info(expires_at=10.0))
    waits = [sched.failed("Test", "Mail", "down", now=0.0) for _ in range(12)]
    assert waits[0] == BACKOFF_MIN * 1.25
    assert waits[1] == BACKOFF_MIN * 2 * 1.25
    assert max(waits) == BACKOFF_CAP
    assert all(a <= b for a, b in zip(waits, waits[1:], strict=False))
    plan = sched.plan(info(expires_at=10.0))
    assert plan.state == "retrying" and plan.at == BACKOFF_CAP


def test_jitter_spreads_retries():
    sched_a = Schedule(rand=lambda: 0.0)
    sched_b = Schedule(rand=lambda: 0.5)
    assert sched_a.failed("T", "M", "x", 0.0) < sched_b.failed("T", "M", "x", 0.0)


def test_success_ends_backoff_and_reports_recovery():
    sched = Schedule()
    sched.failed("Test", "Mail", "down", now=0.0)
    assert sched.succeeded("Test", "Mail") is True
    assert sched.succeeded("Test", "Mail") is False
    assert sched.plan(info()).state == "scheduled"


def test_new_record_resets_failures():
    sched = Schedule()
    sched.plan(info(version=1.0))
    sched.failed("Test", "Mail", "down", now=0.0)
    assert sched.plan(info(version=2.0)).state == "scheduled"
    assert sched.state("Test", "Mail").failures == 0


def test_wake_after_jump_retries_at_once():
    sched = Schedule()
    sched.plan(info())
    sched.failed("Test", "Mail", "down", now=0.0)
    sched.woke_after_jump()
    assert sched.plan(info(expires_at=10.0)).at == -15.0


def test_forget_missing_slots():
    sched = Schedule()
    sched.plan(info(name="A"))
    sched.plan(info(name="B"))
    sched.forget_missing([info(name="B")])
    assert set(sched.slots) == {("Test", "B")}


def test_clock_jump_detection():
    assert not clock_jumped(30.0, 30.0)
    assert not clock_jumped(30.5, 30.0)
    assert clock_jumped(3600.0, 30.0)  # suspended for an hour
    assert clock_jumped(-100.0, 1.0)  # the clock was set back


def test_due_sorted_earliest_first():
    sched = Schedule()
    infos = [info(name="late", expires_at=50.0), info(name="early", expires_at=30.0)]
    assert [d.name for d in sched.due(infos, 100.0)] == ["early", "late"]


def test_provider_deadline_brings_keep_alive_forward():
    sched = Schedule(keep_alive=0.0)
    plan = sched.plan(info(expires_at=None, keep_alive_by=500.0))
    assert (plan.at, plan.keep_alive) == (500.0, True)
    # The user's period still wins when it comes first.
    sched = Schedule(keep_alive=100.0)
    assert sched.plan(info(expires_at=None, last_used=0.0, keep_alive_by=500.0)).at == 100.0


def test_token_infos_from_records():
    from tui.core.agent.schedule import token_infos
    from tui.core.models.oauth import OAuthComponent, TokenRecord
    from tui.core.oauth.health import MICROSOFT_INACTIVITY, MICROSOFT_WARN_BEFORE
    from tui.core.records import Records

    records = Records()
    records.add(OAuthComponent(name="MS", type="microsoft", client_id="x", refresh_delay=60))
    records.add(
        OAuthComponent(
            name="Own",
            authorization_url="https://idp.example.com/a",
            token_url="https://idp.example.com/t",
            client_id="y",
        )
    )
    records.add(
        OAuthComponent(
            name="Never",
            authorization_url="https://idp.example.com/a",
            token_url="https://idp.example.com/t",
            client_id="z",
        )
    )
    tok = TokenRecord(
        access_token="a",
        refresh_token="r",
        expires_at=5000.0,
        last_refresh=1000.0,
        obtained_at=1000.0,
    )
    records.set_token("Test", "MS", tok)
    records.set_token("Production", "Own", tok)
    infos = {(i.environment, i.name): i for i in token_infos(records)}
    assert set(infos) == {("Test", "MS"), ("Production", "Own")}
    ms = infos[("Test", "MS")]
    assert ms.refresh_delay == 60.0 and ms.last_used == 1000.0 and ms.version == 1000.0
    assert ms.keep_alive_by == 1000.0 + MICROSOFT_INACTIVITY - MICROSOFT_WARN_BEFORE
    assert infos[("Production", "Own")].keep_alive_by is None
