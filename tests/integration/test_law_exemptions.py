"""CPLR 5222-a (issue 13 item 1): a restraint or levy says whom it is on; on a natural person's
bank account it needs the exemption notice and claim forms as a second document; the card's view
shows the exempt amount. Through the sanctioned functions, refusals changing nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dragonfly import errors, rpc
from tests.integration.test_engine_support import add_document, last_event, new_case, refused, row, run


def _restrain(engine, ref: str, **kwargs):  # type: ignore[no-untyped-def]
    return run(engine, rpc.queue_enforcement_action, case_ref=ref, kind="restraining_notice", actor="U0ALICE", **kwargs)


def test_restraint_on_a_persons_bank_account_needs_the_exemption_forms(engine) -> None:
    ref = new_case(engine, debtor_type="person")
    notice = add_document(engine, ref, "restraining_notice")
    with refused(engine, errors.InvalidInput, match="kind of garnishee"):
        _restrain(engine, ref, document_id=notice)
    with refused(
        engine, errors.DocumentRequired, match=r"exemption notice and two exemption claim forms \(CPLR 5222-a\)"
    ):
        _restrain(engine, ref, document_id=notice, garnishee_kind="bank", recipient="Chase Bank")
    other = add_document(engine, ref, "correspondence")
    with refused(
        engine, errors.DocumentRequired, match="exemption_forms document as its second document, not correspondence"
    ):
        _restrain(engine, ref, document_id=notice, garnishee_kind="bank", exemption_document_id=other)
    elsewhere = new_case(engine)
    foreign = add_document(engine, elsewhere, "exemption_forms")
    with refused(engine, errors.DocumentRequired, match="is not stored on"):
        _restrain(engine, ref, document_id=notice, garnishee_kind="bank", exemption_document_id=foreign)

    forms = add_document(engine, ref, "exemption_forms")
    r = _restrain(
        engine, ref, document_id=notice, garnishee_kind="bank", exemption_document_id=forms, recipient="Chase"
    )
    a = row(engine, "SELECT * FROM enforcement_actions WHERE id = :i", i=r["action_id"])
    assert (a.garnishee_kind, a.exemption_document_id, a.state) == ("bank", forms, "served")
    ev = last_event(engine, ref)
    assert ev.kind == "action_queued" and ev.document_id == notice
    assert ev.payload["garnishee_kind"] == "bank" and ev.payload["exemption_document_id"] == forms
    law = row(engine, "SELECT * FROM v_case_law WHERE case_ref = :r", r=ref)
    assert law.restraints == [
        {
            "action_id": r["action_id"],
            "kind": "restraining_notice",
            "state": "served",
            "garnishee_kind": "bank",
            "exemption_document_id": forms,
        }
    ]


@pytest.mark.parametrize(
    ("debtor_type", "garnishee"),
    [("business", "bank"), ("person", "employer"), ("person", "third_party"), ("person", "debtor")],
)
def test_no_exemption_forms_needed_off_a_persons_bank_account(engine, debtor_type: str, garnishee: str) -> None:
    ref = new_case(engine, debtor_type=debtor_type)
    notice = add_document(engine, ref, "restraining_notice")
    r = _restrain(engine, ref, document_id=notice, garnishee_kind=garnishee)
    assert r["garnishee_kind"] == garnishee


def test_unknown_garnishee_kind_is_refused(engine) -> None:
    ref = new_case(engine)
    notice = add_document(engine, ref, "restraining_notice")
    with refused(engine, errors.InvalidInput, match="bank, employer, third_party, debtor"):
        _restrain(engine, ref, document_id=notice, garnishee_kind="landlord")
    doc = add_document(engine, ref, "execution")
    with refused(engine, errors.InvalidInput, match="A garnishment has no garnishee kind"):
        run(
            engine,
            rpc.queue_enforcement_action,
            case_ref=ref,
            kind="garnishment",
            actor="U0ALICE",
            document_id=doc,
            garnishee_kind="employer",
        )


def test_levy_on_a_persons_bank_account_needs_the_forms_when_it_is_levied(engine) -> None:
    ref = new_case(engine, debtor_type="person")
    execution = add_document(engine, ref, "execution")
    a = run(engine, rpc.queue_enforcement_action, case_ref=ref, kind="levy", actor="U0ALICE", document_id=execution)
    assert a["garnishee_kind"] is None  # the execution is issued before anyone knows where the money is
    transmittal = add_document(engine, ref, "transmittal")
    run(
        engine,
        rpc.advance_enforcement_action,
        case_ref=ref,
        action_id=a["action_id"],
        state="delivered_to_officer",
        actor="U0ALICE",
        document_id=transmittal,
    )
    levy_notice = add_document(engine, ref, "levy_notice")
    step = dict(case_ref=ref, action_id=a["action_id"], state="levied", actor="U0ALICE", document_id=levy_notice)
    with refused(engine, errors.InvalidInput, match="Levy #.* needs the kind of garnishee"):
        run(engine, rpc.advance_enforcement_action, **step)
    with refused(
        engine, errors.DocumentRequired, match="Levy #.* on a person's bank account needs the exemption notice"
    ):
        run(engine, rpc.advance_enforcement_action, **step, garnishee_kind="bank")
    forms = add_document(engine, ref, "exemption_forms")
    r = run(engine, rpc.advance_enforcement_action, **step, garnishee_kind="bank", exemption_document_id=forms)
    assert r["state"] == "levied"
    a_row = row(engine, "SELECT * FROM enforcement_actions WHERE id = :i", i=a["action_id"])
    assert (a_row.garnishee_kind, a_row.exemption_document_id) == ("bank", forms)
    ev = last_event(engine, ref)
    assert ev.payload["garnishee_kind"] == "bank" and ev.payload["exemption_document_id"] == forms


def test_the_card_view_shows_the_exempt_amount_of_a_person(engine) -> None:
    person, business = new_case(engine, debtor_type="person"), new_case(engine, debtor_type="business")
    expected = row(
        engine,
        "SELECT amount FROM exemption_amounts WHERE name = 'bank_account_person' AND effective_from <= firm_today()"
        " ORDER BY effective_from DESC LIMIT 1",
    ).amount
    assert row(engine, "SELECT bank_exemption FROM v_case_law WHERE case_ref = :r", r=person).bank_exemption == expected
    assert expected >= Decimal("3960.00")
    assert row(engine, "SELECT bank_exemption FROM v_case_law WHERE case_ref = :r", r=business).bank_exemption is None
