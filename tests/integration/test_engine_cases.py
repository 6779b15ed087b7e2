"""create_enforcement_case and set_enforcement_stage: happy paths, every refusal, every stage
pair."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from dragonfly import errors, rpc
from tests.conftest import judgment
from tests.integration.test_engine_support import (
    case_row,
    event_kinds,
    last_event,
    new_case,
    refused,
    row,
    rows,
    run,
    scalar,
    snapshot,
)
from tests.stage_spec import STAGE_MOVES, Stage

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


# ---------------------------------------------------------------- create_enforcement_case


def test_create_case_happy_path(engine) -> None:
    args = judgment(
        index_number="54925/19",
        principal=Decimal("12345.67"),
        costs=Decimal("250.00"),
        county="kings",
    )
    result = run(engine, rpc.create_enforcement_case, **args)
    assert result["created"] is True
    assert result["case_ref"].startswith("DF-")
    c = case_row(engine, result["case_ref"])
    assert c.stage == "intake" and c.status == "open" and c.owner_slack_id == "U0OWNER1"
    assert c.next_action_at is not None and c.event_seq == 1
    j = row(engine, "SELECT * FROM judgments WHERE id = :id", id=c.judgment_id)
    assert j.county == "Kings" and j.index_number == "54925/19"
    assert j.unpaid_principal == Decimal("12345.67") and j.unpaid_costs == Decimal("250.00")
    assert (
        scalar(engine, "SELECT count(*) FROM interest_segments WHERE judgment_id = :j", j=j.id) == 1
    )
    assert (
        scalar(engine, "SELECT count(*) FROM judgment_dockets WHERE judgment_id = :j", j=j.id) == 1
    )
    assert event_kinds(engine, result["case_ref"]) == ["case_created"]
    ev = last_event(engine, result["case_ref"])
    assert ev.actor == "cli:test" and ev.payload["index_number"] == "54925/19"
    assert ev.prev_hash == "0" * 64


def test_create_case_reuses_plaintiff_and_debtor(engine) -> None:
    new_case(engine, plaintiff_name="Acme  Funding llc", debtor_name="Jane Roe")
    new_case(engine, plaintiff_name="acme funding LLC", debtor_name="Jane  Roe")
    assert scalar(engine, "SELECT count(*) FROM plaintiffs") == 1
    assert scalar(engine, "SELECT count(*) FROM debtors") == 1
    assert scalar(engine, "SELECT count(*) FROM enforcement_cases") == 2


def test_create_case_is_idempotent_on_court_and_index(engine) -> None:
    args = judgment(index_number="777/21")
    first = run(engine, rpc.create_enforcement_case, **args)
    before = snapshot(engine)
    again = run(engine, rpc.create_enforcement_case, **{**args, "debtor_name": "Someone Else"})
    assert again == {"case_id": first["case_id"], "case_ref": first["case_ref"], "created": False}
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    "change", [{"principal": Decimal("10000.01")}, {"entered_on": date(2023, 1, 2)}]
)
def test_create_case_same_index_different_facts_is_refused(engine, change) -> None:
    args = judgment(index_number="778/21")
    ref = run(engine, rpc.create_enforcement_case, **args)["case_ref"]
    with refused(engine, errors.IdempotencyConflict, match=f"already {ref}"):
        run(engine, rpc.create_enforcement_case, **{**args, **change})


@pytest.mark.parametrize(
    ("override", "exc", "match"),
    [
        ({"debtor_type": "robot"}, errors.InvalidInput, "debtor type"),
        ({"plaintiff_name": "  "}, errors.MissingReason, "plaintiff name"),
        ({"debtor_name": ""}, errors.MissingReason, "debtor name"),
        ({"court": " "}, errors.MissingReason, "court"),
        ({"county": "Atlantis"}, errors.InvalidInput, "not a New York county"),
        ({"index_number": "fifty/19"}, errors.InvalidInput, "not an index number"),
        ({"entered_on": date.today() + timedelta(days=3)}, errors.InvalidInput, "past date"),
        ({"principal": Decimal("0")}, errors.InvalidAmount, "positive"),
        ({"principal": Decimal("-5.00")}, errors.InvalidAmount, "positive"),
        ({"principal": Decimal("10.005")}, errors.InvalidAmount, "cents"),
        ({"costs": Decimal("-1")}, errors.InvalidAmount, "Costs"),
        ({"owner": "bob"}, errors.InvalidInput, "Slack user"),
    ],
)
def test_create_case_refusals(engine, override, exc, match) -> None:
    new_case(engine)  # something to protect
    with refused(engine, exc, match=match):
        run(engine, rpc.create_enforcement_case, **judgment(**override))


# ---------------------------------------------------------------- set_enforcement_stage

PATH_TO = {
    Stage.intake: [],
    Stage.discovery: ["discovery"],
    Stage.execution: ["discovery", "execution"],
    Stage.recovery: ["discovery", "execution", "recovery"],
    Stage.closed: ["closed"],
}


def _move(engine, ref: str, stage: str, actor: str = "U0OFFICER", **kw) -> dict:
    if stage == "closed":
        kw.setdefault("closing_reason", "uncollectible")
    return run(engine, rpc.set_enforcement_stage, case_ref=ref, stage=stage, actor=actor, **kw)


def _case_in(engine, stage: Stage) -> str:
    ref = new_case(engine)
    for step in PATH_TO[stage]:
        _move(engine, ref, step)
    assert case_row(engine, ref).stage == stage.value
    return ref


@pytest.mark.parametrize("to", list(Stage), ids=lambda s: f"to_{s}")
@pytest.mark.parametrize("frm", list(Stage), ids=lambda s: f"from_{s}")
def test_stage_pairs(engine, frm: Stage, to: Stage) -> None:
    ref = _case_in(engine, frm)
    allowed = STAGE_MOVES[frm]
    if to in allowed:
        result = _move(engine, ref, to.value, actor="cli:admin")
        assert result["from"] == frm.value and result["to"] == to.value
        c = case_row(engine, ref)
        assert c.stage == to.value
        assert c.status == ("closed" if to is Stage.closed else "open")
        kind = "case_reopened" if frm is Stage.closed else "stage_changed"
        assert event_kinds(engine, ref)[-1] == kind
        if to is not Stage.closed:
            assert c.closing_reason is None and c.next_action_at is not None
    else:
        with refused(engine, errors.IllegalStageMove) as info:
            _move(engine, ref, to.value, actor="cli:admin")
        for name in allowed:
            assert name.value in info.value.hint
        assert frm.value in info.value.message


def test_closing_needs_a_reason(engine) -> None:
    ref = _case_in(engine, Stage.discovery)
    with refused(engine, errors.MissingReason, match="needs a reason"):
        run(engine, rpc.set_enforcement_stage, case_ref=ref, stage="closed", actor="U0OFFICER")
    with refused(engine, errors.MissingReason):
        run(
            engine,
            rpc.set_enforcement_stage,
            case_ref=ref,
            stage="closed",
            actor="U0OFFICER",
            closing_reason="  ",
        )
    with refused(engine, errors.InvalidInput, match="closing reason"):
        run(
            engine,
            rpc.set_enforcement_stage,
            case_ref=ref,
            stage="closed",
            actor="U0OFFICER",
            closing_reason="bored",
        )
    result = _move(engine, ref, "closed", closing_reason="Settled")
    assert result["to"] == "closed"
    c = case_row(engine, ref)
    assert c.closing_reason == "settled" and c.next_action_at is None


def test_closed_case_refuses_other_writes(engine) -> None:
    ref = _case_in(engine, Stage.closed)
    with refused(engine, errors.CaseClosed, match="closed"):
        run(
            engine,
            rpc.log_enforcement_blocker,
            case_ref=ref,
            kind="court",
            reason="x",
            eta=date.today() + timedelta(days=3),
            actor="U0OFFICER",
        )
    with refused(engine, errors.CaseClosed):
        run(engine, rpc.assign_case_owner, case_ref=ref, owner="U0OTHER", actor="U0OFFICER")


def test_reopening_needs_admin(engine) -> None:
    ref = _case_in(engine, Stage.closed)
    with refused(engine, errors.Forbidden, match="admin"):
        _move(engine, ref, "discovery", actor="U0OFFICER")
    run(engine, rpc.grant_role, slack_user_id="U0OFFICER", role="officer", actor="cli:test")
    with refused(engine, errors.Forbidden):
        _move(engine, ref, "discovery", actor="U0OFFICER")
    run(engine, rpc.grant_role, slack_user_id="U0BOSS", role="admin", actor="cli:test")
    result = _move(engine, ref, "discovery", actor="U0BOSS", note="new employer found")
    assert result["to"] == "discovery"
    assert event_kinds(engine, ref)[-1] == "case_reopened"


def test_reopening_by_cli_actor(engine) -> None:
    ref = _case_in(engine, Stage.closed)
    assert _move(engine, ref, "execution", actor="cli:ops")["to"] == "execution"
    assert case_row(engine, ref).status == "open"


def test_same_stage_is_refused(engine) -> None:
    ref = _case_in(engine, Stage.discovery)
    with refused(engine, errors.IllegalStageMove, match="already in discovery"):
        _move(engine, ref, "discovery")


def test_unknown_stage_and_case(engine) -> None:
    ref = new_case(engine)
    with refused(engine, errors.InvalidInput, match="not a stage"):
        _move(engine, ref, "litigation")
    with refused(engine, errors.UnknownCase, match="no case DF-999999"):
        _move(engine, "DF-999999", "discovery")
    with refused(engine, errors.UnknownCase, match="not a case id"):
        _move(engine, "case one", "discovery")


def test_case_ref_spellings(engine) -> None:
    ref = new_case(engine)
    number = ref.removeprefix("DF-")
    assert _move(engine, f" df-{number} ", "discovery")["case_ref"] == ref
    assert _move(engine, number, "execution")["case_ref"] == ref


def test_stage_move_records_dwell(engine) -> None:
    ref = new_case(engine, clock=T0)
    result = run(
        engine,
        rpc.set_enforcement_stage,
        clock=T0 + timedelta(days=3, hours=12),
        case_ref=ref,
        stage="discovery",
        actor="U0OFFICER",
    )
    assert result["dwell_days"] == 3.5
    ev = last_event(engine, ref)
    assert ev.payload["dwell_days"] == 3.5 and ev.occurred_at == T0 + timedelta(days=3, hours=12)
    assert case_row(engine, ref).stage_entered_at == T0 + timedelta(days=3, hours=12)


def test_stage_move_clears_blockers_only_when_asked(engine) -> None:
    ref = new_case(engine)
    eta = date.today() + timedelta(days=5)
    run(
        engine,
        rpc.log_enforcement_blocker,
        case_ref=ref,
        kind="court",
        reason="clerk",
        eta=eta,
        actor="U0OFFICER",
    )
    _move(engine, ref, "discovery")
    assert scalar(engine, "SELECT count(*) FROM blockers WHERE cleared_at IS NULL") == 1
    result = _move(engine, ref, "execution", clear_blockers=True)
    assert result["blockers_cleared"] == 1
    assert scalar(engine, "SELECT count(*) FROM blockers WHERE cleared_at IS NULL") == 0
    # The move records the count; each clearing is its own event after it.
    assert last_event(engine, ref).kind == "blocker_cleared"


def test_closing_clears_open_blockers(engine) -> None:
    ref = new_case(engine)
    run(
        engine,
        rpc.log_enforcement_blocker,
        case_ref=ref,
        kind="bank",
        reason="waiting",
        eta=date.today() + timedelta(days=5),
        actor="U0OFFICER",
    )
    result = _move(engine, ref, "closed", closing_reason="satisfied")
    assert result["blockers_cleared"] == 1


def test_timeline_view_lists_stage_moves(engine) -> None:
    ref = _case_in(engine, Stage.recovery)
    summaries = [
        r.summary
        for r in rows(
            engine,
            "SELECT summary FROM v_enforcement_timeline WHERE case_ref = :r ORDER BY seq",
            r=ref,
        )
    ]
    assert summaries[0].startswith("Case opened")
    assert summaries[-1].startswith("Stage execution -> recovery")
