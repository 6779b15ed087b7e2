"""Twenty years (issue 13 item 5, CPLR 211(b)): a judgment is presumed paid twenty years after
entry: flagged on intake, Tier 0 with that reason, no new levy, garnishment or restraint until an
admin records the payment or written acknowledgment that renews it (an event)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from dragonfly import errors, rpc
from tests.integration.test_engine_support import add_document, case_row, last_event, refused, row, run

NY = ZoneInfo("America/New_York")
TODAY = datetime(2026, 6, 1, 10, tzinfo=NY)


def _case(engine, entered_on: date) -> tuple[str, dict]:  # type: ignore[type-arg]
    from tests.conftest import judgment

    r = run(engine, rpc.create_enforcement_case, clock=TODAY, **judgment(entered_on=entered_on))
    return str(r["case_ref"]), r


def test_intake_flags_a_judgment_twenty_years_old_on_the_day(engine) -> None:
    ref, r = _case(engine, date(2006, 6, 1))
    assert r["presumed_paid"] is True and r["presumed_paid_since"] == "2026-06-01" and r["tier"] == 0
    ev = last_event(engine, ref)
    assert ev.kind == "case_created" and ev.payload["presumed_paid_since"] == "2026-06-01"
    c = case_row(engine, ref)
    assert c.tier == 0 and c.tier_reasons[-1] == (
        "hard rule: judgment presumed paid since 2026-06-01 (CPLR 211(b)) -> Tier 0"
    )


def test_a_day_younger_is_not_presumed_paid(engine) -> None:
    ref, r = _case(engine, date(2006, 6, 2))
    assert r["presumed_paid"] is False and "presumed_paid_since" not in last_event(engine, ref).payload
    assert not any("211(b)" in x for x in case_row(engine, ref).tier_reasons)


@pytest.mark.parametrize(
    ("kind", "doc"), [("levy", "execution"), ("garnishment", "execution"), ("restraining_notice", "restraining_notice")]
)
def test_no_new_levy_garnishment_or_restraint_on_a_presumed_paid_judgment(engine, kind: str, doc: str) -> None:
    ref, _ = _case(engine, date(2006, 6, 1))
    document = add_document(engine, ref, doc)
    with refused(engine, errors.PresumedPaid, match=r"presumed paid since 2026-06-01 \(CPLR 211\(b\)\)"):
        run(
            engine,
            rpc.queue_enforcement_action,
            clock=TODAY,
            case_ref=ref,
            kind=kind,
            actor="U0ALICE",
            document_id=document,
            garnishee_kind="third_party" if kind != "garnishment" else None,
        )
    # Other work goes on (an asset search, a subpoena are not enforcement against property).
    run(engine, rpc.queue_enforcement_action, clock=TODAY, case_ref=ref, kind="asset_search", actor="U0ALICE")


def test_an_admin_renews_it_with_a_written_acknowledgment(engine) -> None:
    ref, _ = _case(engine, date(2006, 6, 1))
    run(engine, rpc.grant_role, slack_user_id="U0OFFICER", role="officer", actor="cli:test")
    run(engine, rpc.grant_role, slack_user_id="U0ADMIN", role="admin", actor="cli:test")
    renewal = dict(
        case_ref=ref, basis="acknowledgment", on=date(2026, 5, 1), reason="debtor signed the letter of 1 May"
    )
    with refused(engine, errors.Forbidden, match="needs the admin role"):
        run(engine, rpc.record_judgment_renewal, clock=TODAY, actor="U0OFFICER", **renewal)
    with refused(engine, errors.InvalidInput, match="renewal basis"):
        run(engine, rpc.record_judgment_renewal, clock=TODAY, actor="U0ADMIN", **{**renewal, "basis": "phone call"})
    with refused(engine, errors.InvalidInput, match="between the entry date and today"):
        run(engine, rpc.record_judgment_renewal, clock=TODAY, actor="U0ADMIN", **{**renewal, "on": date(2026, 7, 1)})
    r = run(engine, rpc.record_judgment_renewal, clock=TODAY, actor="U0ADMIN", **renewal)
    assert r["presumed_paid"] is False and r["presumed_paid_since"] == "2046-05-01"
    ev = last_event(engine, ref)
    assert ev.kind == "flag_set" and ev.payload["flag"] == "twenty_year_renewal"
    assert ev.payload["basis"] == "acknowledgment" and ev.actor == "U0ADMIN"
    law = row(engine, "SELECT * FROM v_case_law WHERE case_ref = :r", r=ref)
    assert law.renewed_on == date(2026, 5, 1)
    doc = add_document(engine, ref, "execution")
    run(engine, rpc.queue_enforcement_action, clock=TODAY, case_ref=ref, kind="levy", actor="U0ALICE", document_id=doc)
    run(engine, rpc.assign_tiers, clock=TODAY, as_of=TODAY.date())
    assert not any("211(b)" in x for x in case_row(engine, ref).tier_reasons)
