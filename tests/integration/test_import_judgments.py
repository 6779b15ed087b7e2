"""`dragonfly import judgments` against a real PostgreSQL: clean files, each kind of bad row,
idempotent re-import, --dry-run, --partial, .xlsx, and parity with create_enforcement_case."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from dragonfly import db, importer, rpc
from dragonfly.cli import imports
from dragonfly.doctor import CHAIN_SQL

HEADER = list(importer.JUDGMENT_COLUMNS)
COURT = "Civil Court of the City of New York"


def row(n: int, **over: str) -> dict[str, str]:
    r = dict(
        plaintiff_name="Acme Funding LLC",
        debtor_name=f"Debtor {n}",
        debtor_type="person",
        court=COURT,
        county="Kings",
        index_number=f"{50000 + n}/21",
        entered_on="2023-01-01",
        principal="1,234.50",
        costs="100.00",
        consumer_debt="false",
        owner_slack_id="U0OWNER1",
        external_ref=f"EXT-{n}",
    )
    r.update(over)
    return r


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    header: list[str] = HEADER,
    newline: str = "\n",
    bom: bool = False,
) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.writer(f, lineterminator=newline)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


def run(db_url: str, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": db_url,
        "DRAGONFLY_HOME": str(tmp_path / "home"),
        "DRAGONFLY_OPERATOR": "tester",
        "DRAGONFLY_ADMINS": "",
    }
    return CliRunner().invoke(imports.app, list(args), env=env)


def count(db_url: str, table: str) -> int:
    with db.connect(db_url) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def problems_of(
    tmp_path: Path, db_url: str, rows: list[dict[str, str]]
) -> list[importer.RowProblem]:
    path = write_csv(tmp_path / "bad.csv", rows)
    report = importer.import_judgments(url=db_url, path=path, actor="cli:test")
    assert report.blocked and not report.written
    return report.problems


def test_clean_file_creates_cases_with_one_event_each(db_url, tmp_path):
    path = write_csv(tmp_path / "j.csv", [row(i) for i in range(1, 6)])
    result = run(db_url, tmp_path, "judgments", str(path))
    assert result.exit_code == 0, result.output
    assert "5 cases created" in result.output
    assert count(db_url, "enforcement_cases") == 5
    with db.connect(db_url) as conn:
        kinds = conn.execute("SELECT kind::text, actor, source FROM enforcement_events").fetchall()
        assert kinds == [("case_created", "cli:tester", "import")] * 5
        assert conn.execute(str(CHAIN_SQL.text)).fetchall() == []  # doctor's hash-chain check
        j = conn.execute(
            "SELECT principal, costs, county, external_ref FROM judgments ORDER BY id LIMIT 1"
        ).fetchone()
        assert (str(j[0]), str(j[1]), j[2], j[3]) == ("1234.50", "100.00", "Kings", "EXT-1")


def test_bulk_path_matches_create_enforcement_case(db_url, tmp_path, engine):
    """The set-based path gives each case what the per-row sanctioned function gives it."""
    variants = [
        dict(),
        dict(debtor_type="business"),
        dict(consumer_debt="true", entered_on="2020-04-30"),
        dict(consumer_debt="true", entered_on="2023-05-01"),
        dict(principal="150000.00"),
        dict(entered_on="2006-01-02", principal="99.99"),
        dict(entered_on="2016-06-30", costs="0"),
    ]
    rows = [row(i, **v) for i, v in enumerate(variants, start=1)]
    write_csv(tmp_path / "j.csv", rows)
    report = importer.import_judgments(url=db_url, path=tmp_path / "j.csv", actor="cli:test")
    assert report.created == len(rows)
    with rpc.transaction(engine) as conn:
        for i, v in enumerate(variants, start=1):
            r = row(i, **v)
            rpc.create_enforcement_case(
                conn,
                plaintiff_name=r["plaintiff_name"],
                debtor_name=r["debtor_name"] + " per-row",
                debtor_type=r["debtor_type"],
                court="Per-row Court",
                county=r["county"],
                index_number=r["index_number"],
                entered_on=date.fromisoformat(r["entered_on"]),
                principal=importer_amount(r["principal"]),
                costs=importer_amount(r["costs"]),
                consumer_debt=r["consumer_debt"] == "true",
                owner=r["owner_slack_id"],
                actor="cli:test",
            )
    sql = """
        SELECT j.index_number, c.tier, c.rule_tier, c.tier_score, c.tier_reasons, j.interest_basis,
               c.next_action_what, c.stage::text, c.event_seq, j.unpaid_principal, j.unpaid_costs,
               (SELECT array_agg(array[s.from_date::text, coalesce(s.to_date::text, ''),
                                       s.rate::text, s.why] ORDER BY s.from_date)
                  FROM interest_segments s WHERE s.judgment_id = j.id),
               (SELECT count(*) FROM judgment_dockets k
                 WHERE k.judgment_id = j.id AND k.county = j.county),
               e.payload - 'debtor' - 'court'
          FROM judgments j JOIN enforcement_cases c ON c.judgment_id = j.id
          JOIN enforcement_events e ON e.case_id = c.id
         WHERE j.court = %s ORDER BY j.index_number"""
    with db.connect(db_url) as conn:
        bulk = conn.execute(sql, (COURT,)).fetchall()
        single = conn.execute(sql, ("Per-row Court",)).fetchall()
        assert conn.execute(str(CHAIN_SQL.text)).fetchall() == []
    norm = [
        tuple(sorted(x) if isinstance(x, list) and x and isinstance(x[0], str) else x for x in r)
        for r in bulk
    ]
    norm_single = [
        tuple(sorted(x) if isinstance(x, list) and x and isinstance(x[0], str) else x for x in r)
        for r in single
    ]
    assert norm == norm_single


def importer_amount(text: str):  # type: ignore[no-untyped-def]
    from decimal import Decimal

    return Decimal(text.replace(",", "")) if text else Decimal(0)


@pytest.mark.parametrize(
    "over, column, reason",
    [
        (dict(entered_on="2023-02-30"), "entered_on", "not a real date"),
        (dict(entered_on="02/01/2023"), "entered_on", "YYYY-MM-DD"),
        (dict(entered_on="2999-01-01"), "entered_on", "in the future"),
        (dict(principal="12,34.5"), "principal", "not an amount"),
        (dict(principal="12.345"), "principal", "at most two decimals"),
        (dict(principal="-100.00"), "principal", "negative"),
        (dict(principal="0"), "principal", "more than zero"),
        (dict(principal=""), "principal", "required"),
        (dict(costs="-1"), "costs", "negative"),
        (dict(debtor_type="company"), "debtor_type", "person or business"),
        (dict(county="Gotham"), "county", "not a New York county"),
        (dict(index_number="ABC"), "index_number", "not an index number"),
        (dict(consumer_debt="maybe"), "consumer_debt", "true or false"),
        (dict(owner_slack_id="bob"), "owner_slack_id", "Slack user id"),
        (dict(plaintiff_name="  "), "plaintiff_name", "required"),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_written(
    db_url, tmp_path, over, column, reason
):
    problems = problems_of(tmp_path, db_url, [row(1), row(2, **over), row(3)])
    assert [(p.line, p.column) for p in problems] == [(3, column)]
    assert reason in problems[0].reason
    assert count(db_url, "enforcement_cases") == 0 and count(db_url, "plaintiffs") == 0


def test_the_sanctioned_function_refuses_what_the_importer_refuses(engine):
    """The importer is not looser than create_enforcement_case on the shared rules."""
    from dragonfly.errors import DomainError
    from tests.conftest import judgment

    for over in [
        dict(county="Gotham"),
        dict(index_number="ABC"),
        dict(debtor_type="company"),
        dict(entered_on=date(2999, 1, 1)),
        dict(owner="bob"),
    ]:
        with pytest.raises(DomainError), rpc.transaction(engine) as conn:
            rpc.create_enforcement_case(conn, **judgment(**over))


def test_duplicate_index_number_within_the_file(db_url, tmp_path):
    problems = problems_of(tmp_path, db_url, [row(1), row(2), row(3, index_number="50002/21")])
    assert [(p.line, p.column) for p in problems] == [(3, "index_number"), (4, "index_number")]
    assert "more than one line of this file: 3, 4" in problems[0].reason


def test_duplicate_against_the_database_with_different_facts(db_url, tmp_path, make_case):
    ref = make_case(
        court=COURT, index_number="50002/21", principal=999, entered_on=date(2023, 1, 1)
    )
    problems = problems_of(tmp_path, db_url, [row(1), row(2)])
    assert [(p.line, p.column) for p in problems] == [(3, "index_number")]
    assert f"already {ref} with different facts" in problems[0].reason


def test_missing_required_column_refuses_the_file(db_url, tmp_path):
    header = [h for h in HEADER if h != "county"]
    path = write_csv(tmp_path / "j.csv", [row(1)], header=header)
    result = run(db_url, tmp_path, "judgments", str(path))
    assert result.exit_code == 2
    assert "required column missing: county" in result.output


def test_row_with_a_missing_field_is_a_bad_row(db_url, tmp_path):
    path = tmp_path / "j.csv"
    write_csv(path, [row(1), row(2)])
    lines = path.read_text().splitlines()
    lines[2] = lines[2].rsplit(",", 1)[0]  # drop the last field of line 3
    path.write_text("\n".join(lines) + "\n")
    report = importer.import_judgments(url=db_url, path=path, actor="cli:test")
    assert [(p.line, p.column) for p in report.problems] == [(3, "(row)")]
    assert "a column is missing" in report.problems[0].reason
    assert report.blocked and count(db_url, "enforcement_cases") == 0


def test_bom_crlf_quoted_commas_case_insensitive_header_and_extra_columns(db_url, tmp_path):
    header = [h.upper() for h in HEADER] + ["Notes"]
    rows = [
        row(1, debtor_name="Smith, John", plaintiff_name='Acme "Funding", LLC', Notes="x, y"),
        row(2, debtor_type="Business", county="new york"),
    ]
    path = write_csv(
        tmp_path / "j.csv",
        [{k.upper() if k != "Notes" else k: v for k, v in r.items()} for r in rows],
        header=header,
        newline="\r\n",
        bom=True,
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in path.read_bytes()
    result = run(db_url, tmp_path, "judgments", str(path))
    assert result.exit_code == 0, result.output
    with db.connect(db_url) as conn:
        names = conn.execute(
            "SELECT d.name, p.name, j.county FROM judgments j JOIN debtors d ON d.id = j.debtor_id "
            "JOIN plaintiffs p ON p.id = j.plaintiff_id ORDER BY j.id"
        ).fetchall()
    assert names == [
        ("Smith, John", 'Acme "Funding", LLC', "Kings"),
        ("Debtor 2", "Acme Funding LLC", "New York"),
    ]


def test_zero_byte_file_fails_clearly(db_url, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = run(db_url, tmp_path, "judgments", str(path))
    assert result.exit_code == 2
    assert "empty (0 bytes)" in result.output


def test_header_only_file_is_no_rows_and_exit_0(db_url, tmp_path):
    path = write_csv(tmp_path / "h.csv", [], newline="\r\n", bom=True)
    result = run(db_url, tmp_path, "judgments", str(path))
    assert result.exit_code == 0, result.output
    assert "No rows" in result.output


def test_reimport_creates_nothing_and_reports_already_present(db_url, tmp_path):
    path = write_csv(tmp_path / "j.csv", [row(i) for i in range(1, 4)])
    assert run(db_url, tmp_path, "judgments", str(path)).exit_code == 0
    with db.connect(db_url) as conn:
        before = conn.execute("SELECT count(*), max(id) FROM enforcement_events").fetchone()
    result = run(db_url, tmp_path, "judgments", str(path))
    assert result.exit_code == 0, result.output
    assert "0 cases created" in result.output and "3 already present" in result.output
    with db.connect(db_url) as conn:
        assert conn.execute("SELECT count(*), max(id) FROM enforcement_events").fetchone() == before
    assert count(db_url, "enforcement_cases") == 3


def test_dry_run_changes_nothing(db_url, tmp_path):
    path = write_csv(tmp_path / "j.csv", [row(i) for i in range(1, 4)])
    tables = ["plaintiffs", "debtors", "judgments", "enforcement_cases", "enforcement_events"]
    result = run(db_url, tmp_path, "judgments", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 cases would be created" in result.output
    assert [count(db_url, t) for t in tables] == [0] * len(tables)
    with db.connect(db_url) as conn:
        seq = conn.execute("SELECT last_value, is_called FROM case_number_seq").fetchone()
    assert seq == (1001, False)


def test_errors_csv_and_partial_imports_only_good_rows(db_url, tmp_path):
    path = write_csv(
        tmp_path / "j.csv", [row(1), row(2, principal="12,34.5"), row(3, entered_on="2023-02-30")]
    )
    errors = tmp_path / "errors.csv"
    blocked = run(db_url, tmp_path, "judgments", str(path), "--errors", str(errors))
    assert blocked.exit_code == 1 and "Nothing imported" in blocked.output
    assert count(db_url, "enforcement_cases") == 0
    with errors.open() as f:
        got = list(csv.DictReader(f))
    assert [(g["line"], g["column"]) for g in got] == [("3", "principal"), ("4", "entered_on")]
    partial = run(db_url, tmp_path, "judgments", str(path), "--partial")
    assert partial.exit_code == 1  # bad rows were skipped: still worth a non-zero exit
    assert "1 cases created" in partial.output and "2 bad rows skipped" in partial.output
    assert count(db_url, "enforcement_cases") == 1


def test_owner_option_fills_rows_without_owner(db_url, tmp_path):
    path = write_csv(tmp_path / "j.csv", [row(1, owner_slack_id=""), row(2)])
    assert run(db_url, tmp_path, "judgments", str(path), "--owner", "U0DEFAULT").exit_code == 0
    with db.connect(db_url) as conn:
        owners = [
            r[0] for r in conn.execute("SELECT owner_slack_id FROM enforcement_cases ORDER BY id")
        ]
    assert owners == ["U0DEFAULT", "U0OWNER1"]


def test_small_batches_commit_separately_and_cover_every_row(db_url, tmp_path):
    path = write_csv(tmp_path / "j.csv", [row(i) for i in range(1, 8)])
    report = importer.import_judgments(url=db_url, path=path, actor="cli:test", batch_size=3)
    assert (report.created, report.batches) == (7, 3)
    with db.connect(db_url) as conn:
        refs = [
            r[0]
            for r in conn.execute("SELECT case_ref FROM enforcement_cases ORDER BY case_number")
        ]
    assert refs == [f"DF-{1001 + i}" for i in range(7)]


def test_xlsx(db_url, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([h.replace("_", " ").title() for h in HEADER])
    ws.append(
        [
            "Acme Funding LLC",
            "Debtor X",
            "person",
            COURT,
            "Queens",
            "70001/22",
            date(2022, 3, 4),
            1500.5,
            0,
            False,
            "U0OWNER1",
            None,
        ]
    )
    ws.append(
        [
            "Acme Funding LLC",
            "Debtor Y",
            "business",
            COURT,
            "Bronx",
            "70002/22",
            "2022-02-30",
            10,
            0,
            True,
            None,
            None,
        ]
    )
    path = tmp_path / "j.xlsx"
    wb.save(path)
    report = importer.import_judgments(url=db_url, path=path, actor="cli:test", partial=True)
    assert [(p.line, p.column) for p in report.problems] == [(3, "entered_on")]
    assert report.created == 1
    with db.connect(db_url) as conn:
        got = conn.execute("SELECT entered_on, principal, county FROM judgments").fetchone()
    assert (got[0], str(got[1]), got[2]) == (date(2022, 3, 4), "1500.50", "Queens")


def test_smoke_exit_codes(db_url, tmp_path):
    app = typer.Typer()
    app.command("smoke")(imports.smoke_command)
    app.command("noop")(lambda: None)
    env = {"DATABASE_URL": db_url, "DRAGONFLY_HOME": str(tmp_path / "home"), "DRAGONFLY_ADMINS": ""}
    empty = CliRunner().invoke(app, ["smoke"], env=env)
    assert empty.exit_code == 1 and "no cases" in empty.output
    write_csv(tmp_path / "j.csv", [row(1), row(2, debtor_type="business")])
    importer.import_judgments(url=db_url, path=tmp_path / "j.csv", actor="cli:test")
    ok = CliRunner().invoke(app, ["smoke"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "intake" in ok.output and "2 cases" in ok.output
    write_csv(tmp_path / "k.csv", [row(3, owner_slack_id="")])
    importer.import_judgments(url=db_url, path=tmp_path / "k.csv", actor="cli:test")
    off = CliRunner().invoke(app, ["smoke"], env=env)
    assert off.exit_code == 1 and "1 open case without an owner" in off.output


def test_concurrent_intake_between_check_and_create_counts_as_present(db_url, tmp_path):
    """A case created after the check but before the batch is not created twice."""
    path = write_csv(tmp_path / "j.csv", [row(1), row(2)])
    with db.connect(db_url) as conn:
        conn.execute(importer._STAGE_JUDGMENTS)
        with conn.cursor().copy(
            "COPY df_import_judgments (line, " + ", ".join(HEADER) + ") FROM STDIN"
        ) as cp:
            for i, r in enumerate([row(1), row(2)], start=2):
                cp.write_row((i, *[r[h] for h in HEADER]))
        conn.execute("SELECT import_check_judgments(NULL, NULL)")
        conn.commit()
        with psycopg.connect(db_url, autocommit=True) as other:
            other.execute(
                "SELECT create_enforcement_case(p_plaintiff_name => 'Acme Funding LLC', "
                "p_debtor_name => 'Debtor 1', p_debtor_type => 'person', p_court => %s, "
                "p_county => 'Kings', p_index_number => '50001/21', p_entered_on => '2023-01-01', "
                "p_principal => 1234.50, p_actor => 'cli:other')",
                (COURT,),
            )
        result = conn.execute(
            "SELECT import_judgments_batch(0, 100, 'cli:test', 'import', NULL)"
        ).fetchone()[0]
        conn.commit()
    assert (result["created"], result["present"]) == (1, 1)
    assert path.exists() and count(db_url, "enforcement_cases") == 2
