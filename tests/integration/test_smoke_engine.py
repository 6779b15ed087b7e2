from sqlmodel import Session

from dragonfly import queries, rpc


def test_create_and_move(engine, make_case):
    ref = make_case()
    with rpc.transaction(engine) as conn:
        rpc.set_enforcement_stage(conn, case_ref=ref, stage="discovery", actor="U0OFFICER")
    with Session(engine) as session:
        card = queries.get_case(session=session, case_ref=ref)
        assert card is not None and card.stage == "discovery"
        events = queries.timeline(session=session, case_ref=ref)
        assert [e.kind for e in events] == ["case_created", "stage_changed"]
