"""The case card's one statement stays prepared on a pooled connection and PostgreSQL runs it
with a generic plan: planning the nested views per request cost more than running them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot import reads
from bot.middleware import reader
from dragonfly.bootstrap import Services


def test_card_is_prepared_with_a_generic_plan(services: Services, make_case: Any) -> None:
    refs = [str(make_case()) for _ in range(3)]
    with reader(services).connect() as conn:
        for i in range(12):
            assert reads.card(conn=conn, case_ref=refs[i % 3]) is not None
        rows = conn.execute(
            text(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%blockers_json%'"
            )
        ).all()
    assert len(rows) == 1, rows  # one server-side statement, reused by every card read
    generic, custom = rows[0]
    assert generic >= 1 and custom <= 5, rows[0]
