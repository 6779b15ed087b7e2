"""assign_case_owner, add_case_note, set_next_action, record_asset, set_case_flag."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dragonfly import errors, rpc
from tests.integration.test_engine_support import (
    case_row,
    last_event,
    new_case,
    refused,
    row,
    rows,
    run,
)


def test_assign_owner(engine) -> None:
    ref = new_case(engine, owner=None)
    result = run(engine, rpc.assign_case_owner, case_ref=ref, owner="U0ALICE", actor="U0LEAD")
    assert result == {"case_ref": ref, "owner": "U0ALICE", "previous_owner": None}
    result = run(engine, rpc.assign_case_owner, case_ref=ref, owner="U0BOB", actor="U0LEAD")
    assert result["previous_owner"] == "U0ALICE"
    assert case_row(engine, ref).owner_slack_id == "U0BOB"
    ev = last_event(engine, ref)
    assert ev.kind == "owner_assigned" and ev.payload == {"from": "U0ALICE", "to": "U0BOB"}


@pytest.mark.parametrize("owner", ["", "alice", "u0alice", "@alice"])
def test_assign_owner_refuses_non_slack_ids(engine, owner) -> None:
    ref = new_case(engine)
    with refused(engine, errors.InvalidInput, match="not a Slack user"):
        run(engine, rpc.assign_case_owner, case_ref=ref, owner=owner, actor="U0LEAD")


def test_assign_owner_unknown_case(engine) -> None:
    with refused(engine, errors.UnknownCase):
        run(engine, rpc.assign_case_owner, case_ref="DF-9", owner="U0ALICE", actor="U0LEAD")


def test_event_actor_must_be_a_known_shape(engine) -> None:
    ref = new_case(engine)
    # Refused in words (DF008) before the table's CHECK would name only its constraint.
    with refused(engine, errors.InvalidInput, match='"bob" is not an actor'):
        run(engine, rpc.add_case_note, case_ref=ref, text="hi", actor="bob")


def test_add_note(engine) -> None:
    ref = new_case(engine)
    result = run(
        engine, rpc.add_case_note, case_ref=ref, text="  called the debtor  ", actor="U0ALICE"
    )
    ev = last_event(engine, ref)
    assert ev.id == result["event_id"] and ev.kind == "note_added"
    assert ev.payload == {"text": "called the debtor"}
    assert case_row(engine, ref).last_person_event_at == ev.occurred_at


def test_note_on_closed_case_is_allowed(engine) -> None:
    ref = new_case(engine)
    run(
        engine,
        rpc.set_enforcement_stage,
        case_ref=ref,
        stage="closed",
        closing_reason="settled",
        actor="U0ALICE",
    )
    run(engine, rpc.add_case_note, case_ref=ref, text="file archived", actor="U0ALICE")
    assert last_event(engine, ref).kind == "note_added"


@pytest.mark.parametrize(
    ("note", "exc"),
    [("", errors.MissingReason), ("   ", errors.MissingReason), ("x" * 3001, errors.InvalidInput)],
)
def test_note_refusals(engine, note, exc) -> None:
    ref = new_case(engine)
    with refused(engine, exc):
        run(engine, rpc.add_case_note, case_ref=ref, text=note, actor="U0ALICE")


def test_set_next_action(engine) -> None:
    ref = new_case(engine)
    at = datetime.now(UTC) + timedelta(days=4)
    result = run(
        engine, rpc.set_next_action, case_ref=ref, at=at, what=" call employer ", actor="U0ALICE"
    )
    assert result["what"] == "call employer"
    c = case_row(engine, ref)
    assert c.next_action_at == at and c.next_action_what == "call employer"
    ev = last_event(engine, ref)
    assert ev.kind == "next_action_set" and ev.payload["what"] == "call employer"
    assert "previous" in ev.payload


def test_set_next_action_refusals(engine) -> None:
    ref = new_case(engine)
    with refused(engine, errors.InvalidInput, match="future"):
        run(
            engine,
            rpc.set_next_action,
            case_ref=ref,
            at=datetime.now(UTC) - timedelta(hours=1),
            what="x",
            actor="U0ALICE",
        )
    run(
        engine,
        rpc.set_enforcement_stage,
        case_ref=ref,
        stage="closed",
        closing_reason="settled",
        actor="U0ALICE",
    )
    with refused(engine, errors.CaseClosed):
        run(
            engine,
            rpc.set_next_action,
            case_ref=ref,
            at=datetime.now(UTC) + timedelta(days=1),
            what="x",
            actor="U0ALICE",
        )


def test_record_asset(engine) -> None:
    ref = new_case(engine)
    result = run(
        engine,
        rpc.record_asset,
        case_ref=ref,
        kind="Real_Property",
        description="12 Main St",
        county="queens",
        verified_on=date(2025, 6, 1),
        actor="U0ALICE",
    )
    a = row(engine, "SELECT * FROM assets WHERE id = :i", i=result["asset_id"])
    assert a.kind == "real_property" and a.county == "Queens" and a.verified_on == date(2025, 6, 1)
    ev = last_event(engine, ref)
    assert ev.kind == "asset_recorded" and ev.payload["county"] == "Queens"
    run(
        engine,
        rpc.record_asset,
        case_ref=ref,
        kind="employer",
        description="ACME Corp",
        actor="U0ALICE",
    )
    assert len(rows(engine, "SELECT id FROM assets")) == 2


@pytest.mark.parametrize(
    ("override", "exc", "match"),
    [
        ({"kind": "yacht"}, errors.InvalidInput, "asset kind"),
        ({"description": " "}, errors.MissingReason, "description"),
        ({"verified_on": date.today() + timedelta(days=2)}, errors.InvalidInput, "future"),
        ({"county": "Narnia"}, errors.InvalidInput, "county"),
    ],
)
def test_record_asset_refusals(engine, override, exc, match) -> None:
    ref = new_case(engine)
    args = dict(case_ref=ref, kind="bank_account", description="Chase checking", actor="U0ALICE")
    args.update(override)
    with refused(engine, exc, match=match):
        run(engine, rpc.record_asset, **args)


@pytest.mark.parametrize(
    ("flag", "column_sql"),
    [
        ("bankruptcy_stay", "SELECT bankruptcy_stay FROM enforcement_cases"),
        ("vacated", "SELECT vacated FROM judgments"),
        ("deceased", "SELECT deceased FROM debtors"),
    ],
)
def test_set_case_flag(engine, flag, column_sql) -> None:
    ref = new_case(engine)
    result = run(
        engine,
        rpc.set_case_flag,
        case_ref=ref,
        flag=flag,
        value=True,
        reason="docket says so",
        actor="U0ALICE",
    )
    assert result == {"case_ref": ref, "flag": flag, "value": True}
    assert row(engine, column_sql)[0] is True
    ev = last_event(engine, ref)
    assert ev.kind == "flag_set" and ev.payload == {
        "flag": flag,
        "value": True,
        "reason": "docket says so",
    }
    run(
        engine,
        rpc.set_case_flag,
        case_ref=ref,
        flag=flag,
        value=False,
        reason="lifted",
        actor="U0ALICE",
    )
    assert row(engine, column_sql)[0] is False


def test_set_case_flag_refusals(engine) -> None:
    ref = new_case(engine)
    with refused(engine, errors.InvalidInput, match="case flag"):
        run(
            engine,
            rpc.set_case_flag,
            case_ref=ref,
            flag="jailed",
            value=True,
            reason="x",
            actor="U0ALICE",
        )
    with refused(engine, errors.MissingReason):
        run(
            engine,
            rpc.set_case_flag,
            case_ref=ref,
            flag="vacated",
            value=True,
            reason="",
            actor="U0ALICE",
        )
