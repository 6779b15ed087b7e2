"""log_enforcement_blocker and clear_enforcement_blocker."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dragonfly import errors, rpc
from tests.integration.test_engine_support import (
    case_row,
    event_kinds,
    last_event,
    new_case,
    refused,
    rows,
    run,
    scalar,
)

ETA = date.today() + timedelta(days=10)


def _log(engine, ref: str, **kw) -> dict:
    args = dict(
        case_ref=ref,
        kind="marshal_or_sheriff",
        reason="marshal suspended",
        eta=ETA,
        actor="U0OFFICER",
    )
    args.update(kw)
    return run(engine, rpc.log_enforcement_blocker, **args)


def test_log_blocker_sets_next_action_to_eta(engine) -> None:
    ref = new_case(engine)
    result = _log(engine, ref)
    assert result["kind"] == "marshal_or_sheriff"
    c = case_row(engine, ref)
    expected = datetime.combine(
        ETA, datetime.min.time().replace(hour=9), ZoneInfo("America/New_York")
    )
    assert c.next_action_at == expected
    assert c.next_action_what == "blocker ETA: marshal suspended"
    ev = last_event(engine, ref)
    assert ev.kind == "blocker_logged"
    assert ev.payload == {
        "blocker_id": result["blocker_id"],
        "kind": "marshal_or_sheriff",
        "reason": "marshal suspended",
        "eta": ETA.isoformat(),
    }
    open_ = rows(engine, "SELECT * FROM v_open_blockers WHERE case_ref = :r", r=ref)
    assert len(open_) == 1 and open_[0].eta_passed is False


def test_log_blocker_eta_today_is_allowed(engine) -> None:
    ref = new_case(engine)
    now = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)
    result = _log(engine, ref, eta=date(2026, 5, 4), clock=now)
    assert result["eta"] == "2026-05-04"


@pytest.mark.parametrize(
    ("override", "exc", "match"),
    [
        ({"kind": "weather"}, errors.InvalidInput, "blocker kind"),
        ({"reason": "  "}, errors.MissingReason, "reason"),
        ({"eta": date.today() - timedelta(days=2)}, errors.InvalidInput, "ETA"),
        ({"case_ref": "DF-424242"}, errors.UnknownCase, "no case"),
    ],
)
def test_log_blocker_refusals(engine, override, exc, match) -> None:
    ref = new_case(engine)
    with refused(engine, exc, match=match):
        _log(engine, ref, **override)


def test_log_blocker_on_closed_case_is_refused(engine) -> None:
    ref = new_case(engine)
    run(
        engine,
        rpc.set_enforcement_stage,
        case_ref=ref,
        stage="closed",
        closing_reason="vacated",
        actor="U0OFFICER",
    )
    with refused(engine, errors.CaseClosed):
        _log(engine, ref)


def test_clear_one_blocker_by_id(engine) -> None:
    ref = new_case(engine)
    first = _log(engine, ref, kind="court", reason="clerk backlog")
    _log(engine, ref, kind="bank", reason="bank answer")
    result = run(
        engine,
        rpc.clear_enforcement_blocker,
        case_ref=ref,
        blocker_id=first["blocker_id"],
        note="clerk called back",
        actor="U0OFFICER",
    )
    assert result["cleared"] == [first["blocker_id"]]
    assert scalar(engine, "SELECT count(*) FROM blockers WHERE cleared_at IS NULL") == 1
    ev = last_event(engine, ref)
    assert ev.kind == "blocker_cleared" and ev.payload["note"] == "clerk called back"
    cleared_by = scalar(
        engine, "SELECT cleared_by FROM blockers WHERE id = :i", i=first["blocker_id"]
    )
    assert cleared_by == "U0OFFICER"


def test_clear_all_blockers(engine) -> None:
    ref = new_case(engine)
    ids = [_log(engine, ref, reason=f"r{i}")["blocker_id"] for i in range(3)]
    result = run(engine, rpc.clear_enforcement_blocker, case_ref=ref, actor="U0OFFICER")
    assert result["cleared"] == ids
    assert event_kinds(engine, ref)[-3:] == ["blocker_cleared"] * 3


def test_clear_refusals(engine) -> None:
    ref = new_case(engine)
    with refused(engine, errors.NotFound, match="no open blocker"):
        run(engine, rpc.clear_enforcement_blocker, case_ref=ref, actor="U0OFFICER")
    b = _log(engine, ref)
    with refused(engine, errors.NotFound, match=f"no open blocker #{b['blocker_id'] + 100}"):
        run(
            engine,
            rpc.clear_enforcement_blocker,
            case_ref=ref,
            blocker_id=b["blocker_id"] + 100,
            actor="U0OFFICER",
        )
    other = new_case(engine)
    with refused(engine, errors.NotFound):
        run(
            engine,
            rpc.clear_enforcement_blocker,
            case_ref=other,
            blocker_id=b["blocker_id"],
            actor="U0OFFICER",
        )
    run(engine, rpc.clear_enforcement_blocker, case_ref=ref, actor="U0OFFICER")
    with refused(engine, errors.NotFound):
        run(
            engine,
            rpc.clear_enforcement_blocker,
            case_ref=ref,
            blocker_id=b["blocker_id"],
            actor="U0OFFICER",
        )
    with refused(engine, errors.UnknownCase):
        run(engine, rpc.clear_enforcement_blocker, case_ref="DF-0", actor="U0OFFICER")
