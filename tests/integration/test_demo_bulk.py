"""Issue 12: the set-based demo book (sql/0146, dragonfly/demo_bulk.py) is one `dragonfly doctor`
accepts as it accepts any book: valid hash chains, read model and digest sources equal to their
recomputation, payments allocated by the law, every document row with its stored object; its
stages follow its history; it is written only into an empty book, and only by an operator."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from dragonfly import doctor, rpc
from dragonfly.demo_bulk import seed_bulk
from dragonfly.errors import DomainError


def test_bulk_book_passes_every_doctor_check(services) -> None:  # type: ignore[no-untyped-def]
    counts = seed_bulk(services, cases=1_000, chunk=300)  # four chunks, two at a time
    assert counts == {"create": 1_000, "payment": 50, "document": 10}
    with services.engine.begin() as conn:
        warnings = text("SELECT count(*) FROM enforcement_events WHERE kind = 'deadline_warning'")
        warned = conn.execute(warnings).scalar_one()
        # the seed ran the night's rules: the searches past due are warned, and the first nightly
        # after the seed finds nothing it has to catch up on
        assert warned == conn.execute(text("SELECT count(*) FROM enforcement_actions WHERE is_open")).scalar_one() > 0
        assert rpc.record_deadline_warnings(conn) == 0
    results = doctor.run_checks(services, full=True)
    assert [r.name for r in results if not r.ok] == [], [r.details[:3] for r in results if not r.ok]
    with services.engine.connect() as conn:
        stages = dict(conn.execute(text("SELECT stage::text, count(*) FROM enforcement_cases GROUP BY 1")).all())
        numbers = conn.execute(text("SELECT min(case_number), max(case_number), count(*) FROM enforcement_cases")).one()
        # the stage a case is in is the last stage move of its history
        mismatched = conn.execute(
            text(
                "SELECT count(*) FROM enforcement_cases c CROSS JOIN LATERAL ("
                " SELECT e.payload->>'to' AS last_to FROM enforcement_events e"
                "  WHERE e.case_id = c.id AND e.kind = 'stage_changed' ORDER BY e.seq DESC LIMIT 1) s"
                " WHERE s.last_to IS DISTINCT FROM c.stage::text"
            )
        ).scalar_one()
        intake_moved = conn.execute(
            text(
                "SELECT count(*) FROM enforcement_cases c WHERE c.stage = 'intake' AND EXISTS ("
                " SELECT 1 FROM enforcement_events e WHERE e.case_id = c.id AND e.kind = 'stage_changed')"
            )
        ).scalar_one()
        events = conn.execute(text("SELECT min(event_seq), max(event_seq) FROM enforcement_cases")).one()
        owners = conn.execute(text("SELECT count(DISTINCT owner_slack_id) FROM enforcement_cases")).scalar_one()
    assert stages == {"intake": 100, "discovery": 300, "execution": 300, "recovery": 200, "closed": 100}
    assert numbers[2] == 1_000 and numbers[1] - numbers[0] == 999  # one run of case numbers
    assert mismatched == 0  # a case that moved is in the stage of its last move
    assert intake_moved == 0  # and the intake cases never moved
    assert events[0] >= 20  # twenty events a case, more where a payment, document or tier came after
    assert owners == 6  # the demo team


def test_bulk_book_needs_an_empty_book_and_an_operator(services, db_url, app_login) -> None:  # type: ignore[no-untyped-def]
    seed_bulk(services, cases=40, chunk=40, documents=False)
    counts_sql = text(
        "SELECT (SELECT count(*) FROM enforcement_cases), (SELECT count(*) FROM enforcement_events),"
        " (SELECT count(*) FROM judgments), (SELECT count(*) FROM payments)"
    )
    with services.engine.connect() as conn:
        before = conn.execute(counts_sql).one()
    with pytest.raises(DomainError) as taken:
        seed_bulk(services, cases=40, chunk=40, documents=False)
    assert taken.value.code == "DF007" and "--append" in taken.value.hint
    with services.engine.connect() as conn:
        assert conn.execute(counts_sql).one() == before  # the refused seed recorded nothing
    with psycopg.connect(db_url, user=app_login, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("SELECT demo_book_chunk(100, 110, now(), ARRAY['U0X1'], ARRAY[1::bigint], 5000)")
        assert refused.value.sqlstate == "DF012"
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("SELECT demo_book_finish(5000, 10)")
        assert refused.value.sqlstate == "DF012"
