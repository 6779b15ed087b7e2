"""Tier scoring (each factor, thresholds, hard rules), assign_tiers, set_tier_override and
expire_tier_overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dragonfly import errors, rpc
from tests.integration.test_engine_support import (
    add_document,
    case_row,
    event_kinds,
    execute,
    last_event,
    new_case,
    refused,
    row,
    run,
    scalar,
)

AS_OF = date.today() - timedelta(days=2)  # safely "today or earlier" in the firm's time zone
T0 = datetime(2026, 4, 1, 14, 0, tzinfo=UTC)


def years_ago(n: float, days: int = 0) -> date:
    return AS_OF - timedelta(days=round(n * 365.25) - days)


def score(engine, ref: str, as_of: date = AS_OF):
    return row(
        engine,
        "SELECT s.score, s.tier, s.reasons FROM enforcement_cases c,"
        " score_case(c.id, :d) s WHERE c.case_ref = :r",
        r=ref,
        d=as_of,
    )


def base_case(engine, **overrides) -> str:
    """A case that scores 3 (balance under $2,500, 7 years old, a person, nothing known)."""
    args = dict(principal=Decimal("1000.00"), entered_on=years_ago(7), as_of=AS_OF)
    args.update(overrides)
    return new_case(engine, **args)


def codes(reasons: list[str]) -> set[str]:
    return {r.split(" ", 1)[1] for r in reasons if not r.startswith("hard rule")}


def test_base_case_scores_only_its_balance(engine) -> None:
    s = score(engine, base_case(engine))
    assert (s.score, s.tier, s.reasons) == (3, 0, ["+3 balance under $2,500"])


@pytest.mark.parametrize(
    ("principal", "points"),
    [
        ("50000.00", 25),
        ("49999.99", 18),
        ("10000.00", 18),
        ("9999.99", 10),
        ("2500.00", 10),
        ("2499.99", 3),
        ("100.00", 3),
    ],
)
def test_balance_factor_bands(engine, principal, points) -> None:
    # Entered today: no interest yet, and +10 for a judgment under 2 years old.
    ref = base_case(engine, principal=Decimal(principal), entered_on=AS_OF)
    assert score(engine, ref).score == points + 10


def test_balance_includes_interest(engine) -> None:
    # $8,000 at 9% for 7 years is over $10,000 with interest.
    ref = base_case(engine, principal=Decimal("8000.00"))
    assert score(engine, ref).score == 18


@pytest.mark.parametrize(
    ("entered", "points"),
    [
        (years_ago(1), 10),
        (years_ago(3), 5),
        (years_ago(7), 0),
        (years_ago(12), -5),
        (years_ago(16), -10),
    ],
)
def test_age_factor(engine, entered, points) -> None:
    ref = base_case(engine, entered_on=entered)
    assert score(engine, ref).score == 3 + points


def _asset(engine, ref, kind, verified_on=None, county=None, description="asset") -> None:
    run(
        engine,
        rpc.record_asset,
        case_ref=ref,
        kind=kind,
        description=description,
        verified_on=verified_on,
        county=county,
        actor="U0ALICE",
    )


@pytest.mark.parametrize(
    ("kind", "days", "points"),
    [
        ("employer", 179, 20),
        ("employer", 180, 0),
        ("bank_account", 89, 20),
        ("bank_account", 90, 0),
    ],
)
def test_verified_asset_factors(engine, kind, days, points) -> None:
    ref = base_case(engine)
    _asset(engine, ref, kind, verified_on=AS_OF - timedelta(days=days))
    assert score(engine, ref).score == 3 + points


def test_unverified_employer_scores_nothing(engine) -> None:
    ref = base_case(engine)
    _asset(engine, ref, "employer")
    assert score(engine, ref).score == 3


@pytest.mark.parametrize(("county", "points"), [("Kings", 20), ("Queens", 0)])
def test_real_property_where_docketed(engine, county, points) -> None:
    ref = base_case(engine, county="Kings")
    _asset(engine, ref, "real_property", county=county)
    assert score(engine, ref).score == 3 + points


def test_operating_business(engine) -> None:
    ref = base_case(engine, debtor_type="business")
    s = score(engine, ref)
    assert s.score == 13 and "debtor is an operating business" in codes(s.reasons)


@pytest.mark.parametrize(("days_ago", "points"), [(30, 10), (179, 10), (181, 5), (400, 5)])
def test_payment_factor(engine, days_ago, points) -> None:
    ref = base_case(engine)
    run(
        engine,
        rpc.record_enforcement_payment,
        case_ref=ref,
        amount=Decimal("10.00"),
        kind="direct",
        idempotency_key=f"k-{ref}",
        received_on=AS_OF - timedelta(days=days_ago),
        actor="U0ALICE",
    )
    assert score(engine, ref).score == 3 + points


def test_exempt_income_only(engine) -> None:
    ref = base_case(engine)
    _asset(engine, ref, "exempt_income", description="SSI")
    assert score(engine, ref).score == 3 - 20
    _asset(engine, ref, "vehicle", description="2012 Honda")
    assert score(engine, ref).score == 3


def test_asset_search_found_nothing(engine) -> None:
    ref = base_case(engine)
    a = run(
        engine, rpc.queue_enforcement_action, case_ref=ref, kind="asset_search", actor="U0ALICE"
    )
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a["action_id"],
        state="in_progress",
        actor="U0ALICE",
    )
    assert score(engine, ref).score == 3
    doc = add_document(engine, ref, "search_report")
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a["action_id"],
        state="none",
        document_id=doc,
        actor="U0ALICE",
    )
    assert score(engine, ref).score == 3 - 15


@pytest.mark.parametrize(
    ("points", "tier"),
    [
        (100, 3),
        (60, 3),
        (59, 2),
        (40, 2),
        (39, 1),
        (20, 1),
        (19, 0),
        (0, 0),
        (-30, 0),
    ],
)
def test_thresholds(engine, points, tier) -> None:
    # The factors are policy rows the firm can tune; tune one to land exactly on a threshold.
    execute(engine, "UPDATE tier_factors SET points = :p WHERE code = 'balance_low'", p=points)
    s = score(engine, base_case(engine))
    assert (s.score, s.tier) == (points, tier)


def _tier3_case(engine) -> str:
    ref = base_case(engine, principal=Decimal("60000.00"), entered_on=AS_OF, debtor_type="business")
    _asset(engine, ref, "employer", verified_on=AS_OF)
    assert (score(engine, ref).score, score(engine, ref).tier) == (65, 3)
    return ref


@pytest.mark.parametrize(
    ("flag", "why"),
    [
        ("bankruptcy_stay", "bankruptcy stay"),
        ("vacated", "judgment vacated"),
        ("deceased", "debtor deceased"),
    ],
)
def test_hard_rules_to_tier_0(engine, flag, why) -> None:
    ref = _tier3_case(engine)
    run(
        engine,
        rpc.set_case_flag,
        case_ref=ref,
        flag=flag,
        value=True,
        reason="docket",
        actor="U0ALICE",
    )
    s = score(engine, ref)
    assert s.score == 65 and s.tier == 0
    assert s.reasons[-1] == f"hard rule: {why} -> Tier 0"


def test_hard_rule_tier_0_beats_big_balance(engine) -> None:
    ref = base_case(engine, principal=Decimal("250000.00"))
    run(
        engine,
        rpc.set_case_flag,
        case_ref=ref,
        flag="bankruptcy_stay",
        value=True,
        reason="ch. 7",
        actor="U0ALICE",
    )
    assert score(engine, ref).tier == 0


@pytest.mark.parametrize(("principal", "tier"), [("99999.99", 1), ("100000.00", 2)])
def test_hard_rule_big_balance_at_least_tier_2(engine, principal, tier) -> None:
    ref = base_case(engine, principal=Decimal(principal), entered_on=AS_OF)
    s = score(engine, ref)
    assert s.score == 35 and s.tier == tier
    if tier == 2:
        assert s.reasons[-1] == "hard rule: balance >= $100,000 -> at least Tier 2"


def test_hard_rule_does_not_lower_tier_3(engine) -> None:
    ref = base_case(
        engine, principal=Decimal("150000.00"), entered_on=AS_OF, debtor_type="business"
    )
    _asset(engine, ref, "bank_account", verified_on=AS_OF)
    assert score(engine, ref).tier == 3


@pytest.mark.parametrize(("days_left", "tier"), [(0, 2), (100, 2), (180, 2), (181, 0), (-1, 0)])
def test_hard_rule_lien_expiring(engine, days_left, tier) -> None:
    # The docket (a lien on real property for 10 years, CPLR 5203) is the entry date here.
    lien_ends = AS_OF + timedelta(days=days_left)
    entered = lien_ends.replace(year=lien_ends.year - 10)
    ref = base_case(engine, entered_on=entered)
    s = score(engine, ref)
    assert s.tier == tier, s.reasons
    if tier == 2:
        assert "lien expires within 180 days" in s.reasons[-1]


# ---------------------------------------------------------------- assign_tiers


def test_assign_tiers_change_is_an_event(engine) -> None:
    ref = base_case(engine)
    assert case_row(engine, ref).tier == 0
    first = run(engine, rpc.assign_tiers, as_of=AS_OF)
    assert first == {"scored": 1, "changed": 0}
    assert event_kinds(engine, ref) == ["case_created"]
    _asset(engine, ref, "employer", verified_on=AS_OF)  # 23 -> Tier 1
    result = run(engine, rpc.assign_tiers, as_of=AS_OF)
    assert result == {"scored": 1, "changed": 1}
    c = case_row(engine, ref)
    assert (c.tier, c.rule_tier, c.tier_score) == (1, 1, 23)
    ev = last_event(engine, ref)
    assert ev.kind == "tier_changed" and ev.actor == "system:nightly"
    assert ev.payload["from"] == 0 and ev.payload["to"] == 1 and ev.payload["score"] == 23
    # A second run the same night changes nothing.
    assert run(engine, rpc.assign_tiers, as_of=AS_OF) == {"scored": 1, "changed": 0}
    assert event_kinds(engine, ref).count("tier_changed") == 1


def test_assign_tiers_skips_closed_cases(engine) -> None:
    ref = base_case(engine)
    run(
        engine,
        rpc.set_enforcement_stage,
        case_ref=ref,
        stage="closed",
        closing_reason="settled",
        actor="U0ALICE",
    )
    assert run(engine, rpc.assign_tiers, as_of=AS_OF) == {"scored": 0, "changed": 0}


def test_create_case_sets_rule_tier(engine) -> None:
    ref = base_case(engine, principal=Decimal("60000.00"), entered_on=AS_OF, debtor_type="business")
    c = case_row(engine, ref)
    assert (c.tier, c.rule_tier, c.tier_score) == (2, 2, 45)
    assert last_event(engine, ref).payload["tier"] == 2


# ---------------------------------------------------------------- overrides


def _override(engine, ref, *, clock=T0, **kw) -> dict:
    args = dict(
        case_ref=ref,
        tier=3,
        reason="client escalation",
        expires_at=T0 + timedelta(days=30),
        actor="U0LEAD",
    )
    args.update(kw)
    return run(engine, rpc.set_tier_override, clock=clock, **args)


def test_override_wins_until_expiry(engine) -> None:
    ref = base_case(engine)
    result = _override(engine, ref, expires_at=T0 + timedelta(days=10))
    assert result["tier"] == 3 and result["previous_tier"] == 0
    c = case_row(engine, ref)
    assert (c.tier, c.rule_tier) == (3, 0)
    ev = last_event(engine, ref)
    assert ev.kind == "tier_override_set" and ev.payload["reason"] == "client escalation"
    # Nightly rescoring keeps the override as the effective tier (and records no change).
    _asset(engine, ref, "employer", verified_on=AS_OF)
    assert run(engine, rpc.assign_tiers, as_of=AS_OF)["changed"] == 0
    c = case_row(engine, ref)
    assert (c.tier, c.rule_tier) == (3, 1)
    # Not yet expired: nothing happens.
    assert run(engine, rpc.expire_tier_overrides, now=T0 + timedelta(days=9)) == {"expired": 0}
    # Expired: back to the rule tier, as an event.
    assert run(engine, rpc.expire_tier_overrides, now=T0 + timedelta(days=10)) == {"expired": 1}
    c = case_row(engine, ref)
    assert (c.tier, c.rule_tier) == (1, 1)
    ev = last_event(engine, ref)
    assert ev.kind == "tier_override_expired" and ev.payload["from"] == 3 and ev.payload["to"] == 1
    assert scalar(engine, "SELECT count(*) FROM tier_overrides WHERE active") == 0
    assert run(engine, rpc.expire_tier_overrides, now=T0 + timedelta(days=11)) == {"expired": 0}


def test_expire_uses_the_clock_by_default(engine) -> None:
    ref = base_case(engine)
    _override(engine, ref, expires_at=T0 + timedelta(days=1))
    assert run(engine, rpc.expire_tier_overrides, clock=T0 + timedelta(hours=23)) == {"expired": 0}
    assert run(engine, rpc.expire_tier_overrides, clock=T0 + timedelta(days=2)) == {"expired": 1}


def test_override_exactly_90_days_is_allowed(engine) -> None:
    ref = base_case(engine)
    _override(engine, ref, expires_at=T0 + timedelta(days=90))
    assert case_row(engine, ref).tier == 3


def test_new_override_replaces_the_old_one(engine) -> None:
    ref = base_case(engine)
    _override(engine, ref, tier=3)
    result = _override(engine, ref, tier=1, reason="client calmed down")
    assert result["previous_tier"] == 3
    assert scalar(engine, "SELECT count(*) FROM tier_overrides") == 2
    assert scalar(engine, "SELECT tier FROM tier_overrides WHERE active") == 1
    assert case_row(engine, ref).tier == 1


@pytest.mark.parametrize(
    ("override", "exc", "match"),
    [
        (
            {"expires_at": T0 + timedelta(days=90, minutes=1)},
            errors.OverrideTooLong,
            "at most 90 days",
        ),
        ({"expires_at": T0 + timedelta(days=365)}, errors.OverrideTooLong, "at most 90 days"),
        ({"expires_at": T0 - timedelta(days=1)}, errors.OverrideTooLong, "future"),
        ({"expires_at": T0}, errors.OverrideTooLong, "future"),
        ({"reason": ""}, errors.MissingReason, "reason"),
        ({"reason": "   "}, errors.MissingReason, "reason"),
        ({"tier": 4}, errors.InvalidInput, "Tier must be"),
        ({"tier": -1}, errors.InvalidInput, "Tier must be"),
        ({"case_ref": "DF-55555"}, errors.UnknownCase, "no case"),
    ],
)
def test_override_refusals(engine, override, exc, match) -> None:
    ref = base_case(engine)
    with refused(engine, exc, match=match):
        _override(engine, ref, **override)


def test_override_on_closed_case_is_refused(engine) -> None:
    ref = base_case(engine)
    run(
        engine,
        rpc.set_enforcement_stage,
        case_ref=ref,
        stage="closed",
        closing_reason="settled",
        actor="U0ALICE",
    )
    with refused(engine, errors.CaseClosed):
        _override(engine, ref)
