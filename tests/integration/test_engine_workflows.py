"""queue_enforcement_action, advance_enforcement_action, issue_subpoena, record_deadline_warning:
every transition of every workflow with its document, the refusals, and the computed deadlines."""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text

from dragonfly import db, errors, rpc
from tests.integration.test_engine_support import (
    add_document,
    event_kinds,
    last_event,
    new_case,
    refused,
    row,
    rows,
    run,
    scalar,
)

# Restraints and levies say whom they are on (CPLR 5222, 5232; issue 13): a third party here, so no
# exemption forms are needed (tests/integration/test_law_exemptions.py covers the bank case).
GARNISHEE = {"restraining_notice": "third_party", "levy": "third_party"}


def _queue(conn, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("garnishee_kind", GARNISHEE.get(kwargs["kind"]))
    return rpc.queue_enforcement_action(conn, **kwargs)


def _transitions(url: str) -> list[tuple[str, str, str, list[str], bool]]:
    eng = create_engine(db.sqlalchemy_url(url))
    try:
        with eng.connect() as conn:
            return [
                (r.kind, r.from_state, r.to_state, list(r.document_kinds), r.terminal)
                for r in conn.execute(
                    text(
                        "SELECT kind::text AS kind, from_state, to_state, document_kinds::text[] AS"
                        " document_kinds, terminal FROM workflow_transitions ORDER BY 1, 2, 3"
                    )
                )
            ]
    finally:
        eng.dispose()


@pytest.fixture(scope="module")
def transitions(template_url: str):
    return _transitions(template_url)


def _path(transitions, kind: str, target: str) -> list[tuple]:
    """The shortest list of transitions from queueing to `target`."""
    queue: deque = deque([("", [])])
    seen = {""}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        for t in transitions:
            if t[0] == kind and t[1] == state and t[2] not in seen and not t[4]:
                seen.add(t[2])
                queue.append((t[2], [*path, t]))
    raise AssertionError(f"no path to {kind}:{target}")


def _doc_for(engine, ref: str, t: tuple) -> int | None:
    kinds = t[3]
    return add_document(engine, ref, kinds[0], seed=f"{ref}-{t[0]}-{t[2]}") if kinds else None


def _walk(engine, ref: str, path: list[tuple]) -> int | None:
    action_id = None
    for t in path:
        doc = _doc_for(engine, ref, t)
        if t[1] == "":
            action_id = run(
                engine,
                _queue,
                case_ref=ref,
                kind=t[0],
                document_id=doc,
                actor="U0ALICE",
            )["action_id"]
        else:
            run(
                engine,
                rpc.advance_enforcement_action,
                case_ref=ref,
                action_id=action_id,
                state=t[2],
                document_id=doc,
                actor="U0ALICE",
                officer_docket="M-2026-0001" if t[0] == "marshal" else None,
            )
    return action_id


def test_every_transition_with_and_without_its_document(engine, transitions) -> None:
    for t in transitions:
        kind, frm, to, kinds, terminal = t
        ref = new_case(engine)
        action_id = _walk(engine, ref, _path(transitions, kind, frm)) if frm else None
        if kinds:
            # Without the document: refused, and nothing changes.
            with refused(engine, errors.DocumentRequired, match="needs a document"):
                if frm == "":
                    run(
                        engine,
                        _queue,
                        case_ref=ref,
                        kind=kind,
                        actor="U0ALICE",
                    )
                else:
                    run(
                        engine,
                        rpc.advance_enforcement_action,
                        case_ref=ref,
                        action_id=action_id,
                        state=to,
                        actor="U0ALICE",
                    )
            # With a document of a kind the step does not accept: refused.
            wrong = add_document(
                engine,
                ref,
                "search_report" if "search_report" not in kinds else "other",
                seed=f"wrong-{ref}",
            )
            with refused(engine, errors.DocumentRequired, match="needs a"):
                if frm == "":
                    run(
                        engine,
                        _queue,
                        case_ref=ref,
                        kind=kind,
                        document_id=wrong,
                        actor="U0ALICE",
                    )
                else:
                    run(
                        engine,
                        rpc.advance_enforcement_action,
                        case_ref=ref,
                        action_id=action_id,
                        state=to,
                        document_id=wrong,
                        actor="U0ALICE",
                    )
        doc = _doc_for(engine, ref, t)
        if frm == "":
            result = run(
                engine,
                _queue,
                case_ref=ref,
                kind=kind,
                document_id=doc,
                actor="U0ALICE",
            )
            assert result["state"] == to and result["created"] is True
            ev = last_event(engine, ref)
            assert ev.kind == "action_queued"
        else:
            result = run(
                engine,
                rpc.advance_enforcement_action,
                case_ref=ref,
                action_id=action_id,
                state=to,
                document_id=doc,
                actor="U0ALICE",
                officer_docket="M-2026-0001" if kind == "marshal" else None,
            )
            assert (result["from"], result["state"], result["finished"]) == (frm, to, terminal)
            ev = last_event(engine, ref)
            assert ev.kind == "action_advanced"
        assert ev.document_id == doc and ev.action_id == result["action_id"]
        a = row(engine, "SELECT * FROM enforcement_actions WHERE id = :i", i=result["action_id"])
        assert a.state == to and a.is_open is (not terminal)
        if terminal:
            assert a.next_deadline is None
    assert scalar(engine, "SELECT count(*) FROM v_events_missing_document") == 0


def test_illegal_step_names_the_next_steps(engine) -> None:
    ref = new_case(engine)
    doc = add_document(engine, ref, "execution")
    a = run(
        engine,
        _queue,
        case_ref=ref,
        kind="levy",
        document_id=doc,
        actor="U0ALICE",
    )
    with refused(engine, errors.IllegalActionStep, match="cannot go from issued to levied") as info:
        run(
            engine,
            rpc.advance_enforcement_action,
            case_ref=ref,
            action_id=a["action_id"],
            state="levied",
            document_id=doc,
            actor="U0ALICE",
        )
    assert info.value.hint == "Next steps from issued: delivered_to_officer."
    with refused(engine, errors.IllegalActionStep, match="cannot go from issued to nonsense"):
        run(
            engine,
            rpc.advance_enforcement_action,
            case_ref=ref,
            action_id=a["action_id"],
            state="nonsense",
            actor="U0ALICE",
        )


def test_finished_workflow_refuses_more_steps(engine) -> None:
    ref = new_case(engine)
    a = run(engine, _queue, case_ref=ref, kind="asset_search", actor="U0ALICE")
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a["action_id"],
        state="cancelled",
        actor="U0ALICE",
    )
    with refused(engine, errors.IllegalActionStep, match="finished"):
        run(
            engine,
            rpc.advance_enforcement_action,
            case_ref=ref,
            action_id=a["action_id"],
            state="in_progress",
            actor="U0ALICE",
        )


def test_advance_unknown_or_foreign_workflow(engine) -> None:
    ref = new_case(engine)
    other = new_case(engine)
    a = run(engine, _queue, case_ref=other, kind="asset_search", actor="U0ALICE")
    for action_id in (a["action_id"], 99999):
        with refused(engine, errors.NotFound, match="no workflow"):
            run(
                engine,
                rpc.advance_enforcement_action,
                case_ref=ref,
                action_id=action_id,
                state="in_progress",
                actor="U0ALICE",
            )


def test_document_from_another_case_is_refused(engine) -> None:
    ref = new_case(engine)
    other = new_case(engine)
    doc = add_document(engine, other, "execution")
    with refused(engine, errors.DocumentRequired, match="not stored on"):
        run(
            engine,
            _queue,
            case_ref=ref,
            kind="levy",
            document_id=doc,
            actor="U0ALICE",
        )


def test_queue_refusals(engine) -> None:
    ref = new_case(engine)
    with refused(engine, errors.InvalidInput, match="not a workflow"):
        run(engine, _queue, case_ref=ref, kind="lawsuit", actor="U0ALICE")
    with refused(engine, errors.UnknownCase):
        run(
            engine,
            _queue,
            case_ref="DF-77777",
            kind="asset_search",
            actor="U0ALICE",
        )
    a = run(engine, _queue, case_ref=ref, kind="asset_search", actor="U0ALICE")
    run(
        engine,
        rpc.set_enforcement_stage,
        case_ref=ref,
        stage="closed",
        closing_reason="settled",
        actor="U0ALICE",
    )
    with refused(engine, errors.CaseClosed):
        run(engine, _queue, case_ref=ref, kind="asset_search", actor="U0ALICE")
    with refused(engine, errors.CaseClosed):
        run(
            engine,
            rpc.advance_enforcement_action,
            case_ref=ref,
            action_id=a["action_id"],
            state="in_progress",
            actor="U0ALICE",
        )


def test_queue_is_idempotent_on_its_key(engine) -> None:
    ref = new_case(engine)
    first = run(
        engine,
        _queue,
        case_ref=ref,
        kind="asset_search",
        idempotency_key="view-123",
        actor="U0ALICE",
    )
    again = run(
        engine,
        _queue,
        case_ref=ref,
        kind="asset_search",
        idempotency_key="view-123",
        actor="U0ALICE",
    )
    assert again["action_id"] == first["action_id"] and again["created"] is False
    assert event_kinds(engine, ref).count("action_queued") == 1
    with refused(engine, errors.IdempotencyConflict, match="different workflow"):
        run(
            engine,
            _queue,
            case_ref=ref,
            kind="marshal",
            idempotency_key="view-123",
            actor="U0ALICE",
        )


def test_levy_deadlines_roll_over_election_day(engine) -> None:
    ref = new_case(engine)
    doc = add_document(engine, ref, "execution")
    # 2026-09-04 + 60 days = Tuesday 2026-11-03, Election Day -> Wednesday the 4th.
    a = run(
        engine,
        _queue,
        case_ref=ref,
        kind="levy",
        document_id=doc,
        on=date(2026, 9, 4),
        actor="U0ALICE",
    )
    assert a["deadlines"] == {"return_due": "2026-11-04"}
    assert scalar(engine, "SELECT next_deadline FROM enforcement_actions") == date(2026, 11, 4)
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a["action_id"],
        state="delivered_to_officer",
        document_id=add_document(engine, ref, "transmittal"),
        officer_docket="M-123",
        on=date(2026, 9, 8),
        actor="U0ALICE",
    )
    result = run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a["action_id"],
        state="levied",
        document_id=add_document(engine, ref, "levy_notice"),
        on=date(2026, 9, 10),
        actor="U0ALICE",
    )
    d = result["deadlines"]
    assert d["return_due"] == "2026-11-04"
    assert d["void_on"] == "2026-12-09"
    assert d["warn_day_60"] == "2026-11-09"  # Monday (Nov 9)
    assert d["warn_day_75"] == "2026-11-24"
    assert d["warn_day_85"] == "2026-12-04"
    a_row = row(engine, "SELECT * FROM enforcement_actions")
    # The levy voids on day 90 (day 60/75/85 are the nightly warnings), but the return date comes
    # first and the next deadline keeps it (issue 13 item 10; it used to be the void date).
    assert a_row.officer_docket == "M-123" and a_row.next_deadline == date(2026, 11, 4)


@pytest.mark.parametrize(("tier", "due"), [(3, date(2026, 3, 9)), (1, date(2026, 3, 16))])
def test_asset_search_deadline_by_tier(engine, tier, due) -> None:
    from datetime import UTC, datetime

    ref = new_case(engine)
    if tier == 3:
        run(
            engine,
            rpc.set_tier_override,
            case_ref=ref,
            tier=3,
            reason="vip",
            expires_at=datetime.now(UTC) + timedelta(days=30),
            actor="U0ALICE",
        )
    else:
        run(
            engine,
            rpc.set_tier_override,
            case_ref=ref,
            tier=1,
            reason="low",
            expires_at=datetime.now(UTC) + timedelta(days=30),
            actor="U0ALICE",
        )
    # Wednesday 2026-03-04 + 5 = Monday the 9th; + 10 = Saturday the 14th -> Monday the 16th.
    a = run(
        engine,
        _queue,
        case_ref=ref,
        kind="asset_search",
        on=date(2026, 3, 4),
        actor="U0ALICE",
    )
    assert a["deadlines"]["search_due"] == due.isoformat()


# ---------------------------------------------------------------- issue_subpoena


def test_issue_subpoena(engine) -> None:
    ref = new_case(engine)
    doc = add_document(engine, ref, "subpoena")
    # Served Wednesday 2026-02-04: answer due the 11th; served 2026-02-05: the 12th is Lincoln's
    # Birthday, so the 13th.
    result = run(
        engine,
        rpc.issue_subpoena,
        case_ref=ref,
        recipient="Chase Bank",
        document_id=doc,
        served_on=date(2026, 2, 5),
        actor="U0ALICE",
    )
    assert result["state"] == "served" and result["deadlines"] == {"answer_due": "2026-02-13"}
    ev = last_event(engine, ref)
    assert ev.kind == "subpoena_issued" and ev.document_id == doc and ev.action_id == result["action_id"]
    a = row(engine, "SELECT * FROM enforcement_actions WHERE id = :i", i=result["action_id"])
    assert (a.kind, a.state, a.recipient, a.next_deadline) == (
        "information_subpoena",
        "served",
        "Chase Bank",
        date(2026, 2, 13),
    )
    # It continues as an ordinary workflow.
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a.id,
        state="answered",
        actor="U0ALICE",
    )


def test_issue_subpoena_refusals(engine) -> None:
    ref = new_case(engine)
    doc = add_document(engine, ref, "subpoena")
    wrong = add_document(engine, ref, "execution")
    with refused(engine, errors.DocumentRequired, match="needs a document"):
        run(
            engine,
            rpc.issue_subpoena,
            case_ref=ref,
            recipient="Chase",
            document_id=None,
            actor="U0ALICE",
        )
    with refused(engine, errors.DocumentRequired, match="not execution"):
        run(
            engine,
            rpc.issue_subpoena,
            case_ref=ref,
            recipient="Chase",
            document_id=wrong,
            actor="U0ALICE",
        )
    with refused(engine, errors.MissingReason, match="recipient"):
        run(
            engine,
            rpc.issue_subpoena,
            case_ref=ref,
            recipient=" ",
            document_id=doc,
            actor="U0ALICE",
        )
    with refused(engine, errors.InvalidInput, match="future"):
        run(
            engine,
            rpc.issue_subpoena,
            case_ref=ref,
            recipient="Chase",
            document_id=doc,
            served_on=date.today() + timedelta(days=3),
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
            rpc.issue_subpoena,
            case_ref=ref,
            recipient="Chase",
            document_id=doc,
            actor="U0ALICE",
        )


# ---------------------------------------------------------------- record_deadline_warning


def test_deadline_warning_is_recorded_once(engine) -> None:
    ref = new_case(engine)
    a = run(engine, _queue, case_ref=ref, kind="asset_search", actor="U0ALICE")
    assert (
        run(
            engine,
            rpc.record_deadline_warning,
            action_id=a["action_id"],
            warning="search_due",
            due=date(2026, 3, 9),
        )
        is True
    )
    assert (
        run(
            engine,
            rpc.record_deadline_warning,
            action_id=a["action_id"],
            warning="search_due",
            due=date(2026, 3, 9),
        )
        is False
    )
    assert (
        run(
            engine,
            rpc.record_deadline_warning,
            action_id=a["action_id"],
            warning="other",
            due=date(2026, 3, 9),
        )
        is True
    )
    warnings = rows(engine, "SELECT * FROM enforcement_events WHERE kind = 'deadline_warning' ORDER BY seq")
    assert [w.payload["warning"] for w in warnings] == ["search_due", "other"]
    assert warnings[0].actor == "system:nightly" and warnings[0].action_id == a["action_id"]
    with refused(engine, errors.NotFound, match="No workflow"):
        run(engine, rpc.record_deadline_warning, action_id=424242, warning="x", due=date(2026, 3, 9))
