"""The demo book reads like a working firm's: most open cases on time, some with a next action
just past due, a few breaching an SLA (so the red flags mean something to someone trying it)."""

from __future__ import annotations

from sqlalchemy import text

from dragonfly.demo import seed


def test_most_demo_cases_are_on_time_some_past_due_a_few_breaching(services) -> None:  # type: ignore[no-untyped-def]
    seed(services, cases=300)
    with services.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*) AS open, count(*) FILTER (WHERE sla_breached) AS breaching,"
                " count(*) FILTER (WHERE next_action_at < now() AND NOT sla_breached) AS past_due"
                " FROM v_enforcement_cases WHERE status = 'open'"
            )
        ).one()
        stages = dict(conn.execute(text("SELECT stage, count(*) FROM v_enforcement_cases GROUP BY stage")).all())
    on_time = row.open - row.breaching - row.past_due
    assert row.open > 200
    assert 0.03 * row.open <= row.breaching <= 0.2 * row.open, row
    assert 0.05 * row.open <= row.past_due <= 0.25 * row.open, row
    assert on_time >= 0.6 * row.open, row
    assert set(stages) == {"intake", "discovery", "execution", "recovery", "closed"}
