"""The wage floor as data (issue 13 item 7): minimum wages by region for every year, the bank
exemption (240 x the greater of federal and state, CPLR 5222(i)), the income-execution limit
(CPLR 5231(b)) a garnishment's wage facts must respect, the CLI that adds indexed years, and the
doctor check for a missing year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dragonfly import doctor, errors, rpc
from dragonfly.cli import app
from tests.integration.test_engine_support import add_document, last_event, new_case, refused, row, rows, run, scalar


@pytest.mark.parametrize(
    ("county", "on", "hourly"),
    [
        ("Kings", "2018-12-30", "13.00"),
        ("Kings", "2018-12-31", "15.00"),
        ("Nassau", "2021-12-31", "15.00"),
        ("Albany", "2026-01-01", "16.00"),
        ("Albany", "2025-12-31", "15.50"),
        ("Erie", "2008-06-01", "7.15"),
        ("Erie", "2009-07-24", "7.25"),
        ("Queens", "2002-03-01", "5.15"),
    ],
)
def test_minimum_wage_by_region_and_date(engine, county: str, on: str, hourly: str) -> None:
    assert scalar(engine, "SELECT minimum_wage_on(wage_region_of(:c), CAST(:d AS date))", c=county, d=on) == D(hourly)


def test_bank_exemption_is_240_times_the_wage(engine) -> None:
    assert scalar(engine, "SELECT bank_exemption_for('Kings', '2026-03-01')") == D("4080.00")
    assert scalar(engine, "SELECT bank_exemption_for('Albany', '2026-03-01')") == D("3840.00")
    assert scalar(engine, "SELECT bank_exemption_for('Westchester', '2025-03-01')") == D("3960.00")


def _garnishment(engine) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    ref = new_case(engine, county="Kings")
    a = run(
        engine,
        rpc.queue_enforcement_action,
        case_ref=ref,
        kind="garnishment",
        actor="U0ALICE",
        document_id=add_document(engine, ref, "execution"),
    )["action_id"]
    return ref, a


def test_an_income_execution_over_the_limit_is_refused(engine) -> None:
    ref, a = _garnishment(engine)
    on = date(2026, 3, 2)  # NYC $17.00: the floor is 30 x 17 = $510 a week
    facts = dict(case_ref=ref, action_id=a, actor="U0ALICE", on=on)
    # $1,000 gross, $800 disposable: 10% of gross ($100) is the least of 100, 200 and 290.
    with refused(engine, errors.OverIncomeLimit, match=r"at most \$100.00"):
        run(
            engine,
            rpc.record_wage_facts,
            **facts,
            gross_weekly=D("1000"),
            disposable_weekly=D("800"),
            weekly_amount=D("100.01"),
        )
    r = run(
        engine,
        rpc.record_wage_facts,
        **facts,
        gross_weekly=D("1000"),
        disposable_weekly=D("800"),
        weekly_amount=D("100.00"),
    )
    assert (r["limit"], r["minimum_wage"], r["region"]) == (100.0, 17.0, "nyc")
    ev = last_event(engine, ref)
    assert ev.kind == "flag_set" and ev.payload["flag"] == "wage_facts" and ev.action_id == a
    # At or under 30 x the minimum wage: nothing at all.
    with refused(engine, errors.OverIncomeLimit, match=r"at most \$0"):
        run(
            engine,
            rpc.record_wage_facts,
            **facts,
            gross_weekly=D("600"),
            disposable_weekly=D("510"),
            weekly_amount=D("1.00"),
        )
    # Just over the floor: the excess over 30 x the wage is the limit ($515 - $510 = $5).
    r = run(
        engine,
        rpc.record_wage_facts,
        **facts,
        gross_weekly=D("600"),
        disposable_weekly=D("515"),
        weekly_amount=D("5.00"),
    )
    assert r["limit"] == 5.0
    stored = row(engine, "SELECT wage_facts FROM enforcement_actions WHERE id = :a", a=a).wage_facts
    assert stored["weekly_amount"] == 5.0


def _cli(db_url: str, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": db_url,
        "DRAGONFLY_HOME": str(tmp_path / "home"),
        "DRAGONFLY_OPERATOR": "tester",
        "DRAGONFLY_ADMINS": "",
    }
    return CliRunner().invoke(app, list(args), env=env)


def test_an_indexed_year_needs_its_row_and_the_cli_adds_it(engine, services, db_url, tmp_path) -> None:
    assert doctor.check_minimum_wages(services).ok  # through 2026 the history rows cover every year
    missing = rows(engine, "SELECT region, year FROM missing_minimum_wage_years('2027-02-01')")
    assert [(r.region, r.year) for r in missing] == [
        ("long_island_westchester", 2027),
        ("nyc", 2027),
        ("rest_of_state", 2027),
    ]
    # The card's exemption is unknown (NULL) for such a year; the amount itself is refused.
    assert scalar(engine, "SELECT bank_exemption_or_null('Kings', '2027-02-01')") is None
    with refused(engine, errors.MinimumWageMissing, match="No minimum wage is recorded for nyc in 2027"):
        run(engine, rpc.call, function="bank_exemption_for", county="Kings", on=date(2027, 2, 1))
    ref, a = _garnishment(engine)
    with refused(engine, errors.MinimumWageMissing, match="No minimum wage is recorded for nyc in 2027"):
        run(
            engine,
            rpc.record_wage_facts,
            case_ref=ref,
            action_id=a,
            actor="cli:test",
            on=date(2027, 2, 1),
            gross_weekly=D("1000"),
            disposable_weekly=D("800"),
            weekly_amount=D("50"),
        )
    r = _cli(db_url, tmp_path, "policy", "minimum-wage", "nyc", "2027-01-01", "17.60", "--why", "DOL notice")
    assert r.exit_code == 0, r.output
    assert scalar(engine, "SELECT minimum_wage_on('nyc', '2027-02-01')") == D("17.60")
    exemption = scalar(engine, "SELECT bank_exemption_or_null('Kings', '2027-02-01')")
    assert exemption == scalar(engine, "SELECT bank_exemption_for('Kings', '2027-02-01')") == D("4224.00")
    assert [(x.region, x.year) for x in rows(engine, "SELECT * FROM missing_minimum_wage_years('2027-02-01')")] == [
        ("long_island_westchester", 2027),
        ("rest_of_state", 2027),
    ]
    bad = _cli(db_url, tmp_path, "policy", "minimum-wage", "gotham", "2027-01-01", "17.60", "--why", "x")
    assert bad.exit_code != 0 and "not a wage region" in bad.output
    with refused(engine, errors.Forbidden, match="needs the admin role"):
        run(
            engine,
            rpc.set_minimum_wage,
            region="nyc",
            effective_from=date(2028, 1, 1),
            hourly=D("18"),
            why="x",
            actor="U0OFFICER",
        )
