"""`dragonfly import corrections`: owner, next action, stage and tier changes through their
sanctioned functions (their events), each bad-row kind (format and rule refusals), all-or-nothing,
--partial, --dry-run changes nothing, and a re-import changes nothing."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from dragonfly import db
from dragonfly.cli import imports
from dragonfly.doctor import CHAIN_SQL
from dragonfly.import_corrections import CORRECTION_COLUMNS, import_corrections

HEADER = list(CORRECTION_COLUMNS)


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for r in rows:
            w.writerow([r.get(h, "") for h in HEADER])
    return path


def ch(ref: str, change: str, value: str, reason: str = "", until: str = "") -> dict[str, str]:
    return dict(case_ref=ref, change=change, value=value, reason=reason, until=until)


def state(db_url: str) -> tuple[int, list[tuple]]:  # type: ignore[type-arg]
    with db.connect(db_url) as conn:
        events = conn.execute("SELECT count(*) FROM enforcement_events").fetchone()[0]
        cases = conn.execute(
            "SELECT case_ref, owner_slack_id, stage::text, tier, next_action_at, next_action_what"
            " FROM enforcement_cases ORDER BY id"
        ).fetchall()
    return events, cases


def soon(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def test_each_change_goes_through_its_function_and_reimport_changes_nothing(make_case, db_url, tmp_path):  # type: ignore[no-untyped-def]
    a, b = make_case(), make_case()
    path = write_csv(
        tmp_path / "fix.csv",
        [
            ch(a, "owner", "U0MARIA"),
            ch(a, "next_action", soon(5), "call the employer"),
            ch(a, "stage", "discovery", "judgment verified"),
            ch(b, "tier", "3", "client priority", soon(30)),
            ch(b, "stage", "closed", "settled"),
        ],
    )
    report = import_corrections(url=db_url, path=path, actor="cli:tester")
    assert (report.created, report.bad_rows) == (5, 0), report.problems
    with db.connect(db_url) as conn:
        kinds = [
            r[0]
            for r in conn.execute(
                "SELECT kind::text FROM enforcement_events WHERE source = 'import' ORDER BY id"
            ).fetchall()
        ]
        row_a = conn.execute(
            "SELECT owner_slack_id, stage::text, next_action_what FROM enforcement_cases WHERE case_ref = %s", (a,)
        ).fetchone()
    assert kinds == ["owner_assigned", "next_action_set", "stage_changed", "tier_override_set", "stage_changed"]
    assert row_a == ("U0MARIA", "discovery", "call the employer")
    before = state(db_url)
    again = import_corrections(url=db_url, path=path, actor="cli:tester")
    assert (again.created, again.present, again.bad_rows) == (0, 5, 0)
    assert state(db_url) == before


def test_bad_rows_and_rule_refusals_change_nothing_unless_partial(make_case, db_url, tmp_path):  # type: ignore[no-untyped-def]
    a, b = make_case(), make_case()
    rows = [
        ch(a, "owner", "U0GOOD"),  # 2: good
        ch("", "owner", "U0X"),  # 3
        ch("DF-99999", "owner", "U0X"),  # 4
        ch(b, "colour", "red"),  # 5
        ch(b, "owner", "maria"),  # 6
        ch(b, "next_action", "2026-13-01", "x"),  # 7
        ch(b, "stage", "limbo", "x"),  # 8
        ch(b, "tier", "7", "x", soon(10)),  # 9
        ch(b, "tier", "2", "", ""),  # 10 (and 9: tier twice for b)
        ch(a, "stage", "recovery", "skip ahead"),  # 11: a rule refuses intake -> recovery
        ch(a, "next_action", soon(5), ""),  # 12
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = state(db_url)
    report = import_corrections(url=db_url, path=path, actor="cli:tester")
    assert report.blocked and report.created == 0 and state(db_url) == before
    by_line: dict[int, list[tuple[str, str]]] = {}
    for p in report.problems:
        by_line.setdefault(p.line, []).append((p.column, p.reason))
    assert 2 not in by_line and 11 not in by_line  # the rule is only found when applying

    def has(line: int, column: str, words: str) -> bool:
        return any(c == column and words in r for c, r in by_line.get(line, []))

    assert has(3, "case_ref", "required") and has(4, "case_ref", "there is no case DF-99999")
    assert has(5, "change", "not a change") and has(6, "value", "not a Slack user id")
    assert has(7, "value", "not a date") and has(8, "value", "not a stage") and has(9, "value", "not a tier")
    assert has(9, "change", "lines 9, 10") and has(10, "reason", "required") and has(10, "until", "required")
    assert has(12, "reason", "what is to be done")

    only_rule = write_csv(tmp_path / "rule.csv", [rows[0], rows[9]])
    refused = import_corrections(url=db_url, path=only_rule, actor="cli:tester")
    assert refused.blocked and state(db_url) == before
    assert [(p.line, p.column) for p in refused.problems] == [(3, "value")]
    assert "cannot move from intake to recovery" in refused.problems[0].reason

    dry = import_corrections(url=db_url, path=only_rule, actor="cli:tester", dry_run=True)
    assert [p.line for p in dry.problems] == [3] and state(db_url) == before
    partial = import_corrections(url=db_url, path=only_rule, actor="cli:tester", partial=True)
    assert partial.created == 1 and state(db_url)[0] == before[0] + 1


def test_cli_corrections_dry_run(make_case, db_url, tmp_path):  # type: ignore[no-untyped-def]
    a = make_case()
    path = write_csv(tmp_path / "c.csv", [ch(a, "tier", "2", "client asked", soon(100))])
    env = {"DATABASE_URL": db_url, "DRAGONFLY_HOME": str(tmp_path / "home"), "DRAGONFLY_OPERATOR": "tester"}
    before = state(db_url)
    out = CliRunner().invoke(imports.app, ["corrections", str(path), "--dry-run"], env=env)
    assert out.exit_code == 1 and "at most 90 days" in out.output, out.output  # the override rule, found in a dry run
    assert state(db_url) == before


def test_judgment_facts_are_corrected_as_events_with_before_and_after(make_case, engine, db_url, tmp_path):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    from dragonfly import rpc

    a = make_case(principal=Decimal("1000.00"), entered_on=date(2023, 1, 1), debtor_type="person")
    with db.connect(db_url) as conn:
        index_before = conn.execute(
            "SELECT j.index_number FROM judgments j JOIN enforcement_cases c ON c.judgment_id = j.id"
            " WHERE c.case_ref = %s",
            (a,),
        ).fetchone()[0]
    b = make_case(index_number="88888/23")
    paid = make_case()
    with rpc.transaction(engine) as conn:
        rpc.record_enforcement_payment(
            conn, case_ref=paid, amount=Decimal("10.00"), kind="direct", idempotency_key="p:1", actor="cli:t"
        )
    rows = [
        ch(a, "principal", "150,000.00", "clerk's transcript"),
        ch(a, "entered_on", "2022-06-01", "entry date misread"),
        ch(a, "debtor_type", "business", "debtor is an LLC"),
        ch(a, "index_number", "77777/22", "typo"),
    ]
    report = import_corrections(url=db_url, path=write_csv(tmp_path / "facts.csv", rows), actor="cli:tester")
    assert (report.created, report.bad_rows) == (4, 0), report.problems
    with db.connect(db_url) as conn:
        events = conn.execute(
            "SELECT e.payload FROM enforcement_events e JOIN enforcement_cases c ON c.id = e.case_id"
            " WHERE c.case_ref = %s AND e.kind = 'judgment_corrected' ORDER BY e.seq",
            (a,),
        ).fetchall()
        j = conn.execute(
            "SELECT j.principal, j.unpaid_principal, j.entered_on, j.index_number, j.debtor_is_person, j.accrual_date,"
            " c.rule_tier, (SELECT min(from_date) FROM interest_segments s WHERE s.judgment_id = j.id),"
            " (SELECT docketed_on FROM judgment_dockets k WHERE k.judgment_id = j.id)"
            " FROM judgments j JOIN enforcement_cases c ON c.judgment_id = j.id WHERE c.case_ref = %s",
            (a,),
        ).fetchone()
        summary = conn.execute(
            "SELECT summary FROM v_enforcement_timeline WHERE case_ref = %s AND kind = 'judgment_corrected'"
            " ORDER BY seq LIMIT 1",
            (a,),
        ).fetchone()
        assert conn.execute(str(CHAIN_SQL.text)).fetchall() == []  # doctor's hash-chain check
    assert [(e[0]["field"], e[0]["before"], e[0]["after"]) for e in events] == [
        ("principal", "1000.00", "150000.00"),
        ("entered_on", "2023-01-01", "2022-06-01"),
        ("debtor_type", "person", "business"),
        ("index_number", index_before, "77777/22"),
    ]
    assert events[0][0]["reason"] == "clerk's transcript" and events[0][0]["tier_after"] >= 2
    assert j[:6] == (Decimal("150000.00"), Decimal("150000.00"), date(2022, 6, 1), "77777/22", False, date(2022, 6, 1))
    assert j[6] >= 2 and j[7] == date(2022, 6, 1) and j[8] == date(2022, 6, 1)
    assert summary and "Corrected principal: 1000.00 -> 150000.00" in summary[0]

    before = state(db_url)
    again = import_corrections(url=db_url, path=write_csv(tmp_path / "facts.csv", rows), actor="cli:tester")
    assert (again.created, again.present) == (0, 4) and state(db_url) == before

    refused = import_corrections(
        url=db_url,
        path=write_csv(
            tmp_path / "no.csv",
            [
                ch(paid, "principal", "99.00", "x"),
                ch(b, "index_number", "77777/22", "x"),
                ch(b, "debtor_type", "robot", "x"),
                ch(b, "principal", "0", "x"),
            ],
        ),
        actor="cli:tester",
        dry_run=True,
    )
    by_line = {p.line: p.reason for p in refused.problems}
    assert "has payments recorded" in by_line[2] and "is already " + a in by_line[3]
    assert "not a debtor type" in by_line[4] and "not a principal" in by_line[5]
    assert state(db_url) == before
