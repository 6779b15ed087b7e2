"""Issue 12: `mine`'s count of a person's open cases comes from the totals by owner (sql/0148) and
equals the owner's queue after cases are created, reassigned, moved and closed."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from dragonfly import queries, rpc


def test_count_from_the_totals_equals_the_queue(engine, make_case) -> None:  # type: ignore[no-untyped-def]
    refs = [make_case(owner="U0ANNA1" if i % 3 else "U0BOB22") for i in range(9)]
    with rpc.transaction(engine) as conn:
        rpc.assign_case_owner(conn, case_ref=refs[1], owner="U0BOB22", actor="U0ADMIN")
        rpc.set_enforcement_stage(conn, case_ref=refs[2], stage="discovery", actor="U0ANNA1")
        rpc.set_enforcement_stage(conn, case_ref=refs[4], stage="closed", closing_reason="settled", actor="U0ANNA1")
        rpc.set_enforcement_stage(conn, case_ref=refs[3], stage="closed", closing_reason="settled", actor="U0BOB22")
    with Session(engine) as session:
        for owner, expected in (("U0ANNA1", 4), ("U0BOB22", 3), ("U0NOBODY", 0)):
            queued = session.execute(
                text("SELECT count(*) FROM v_owner_queue WHERE owner_slack_id = :o"), {"o": owner}
            ).scalar_one()
            assert queries.count_my_cases(session=session, owner=owner) == queued == expected, owner
