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
