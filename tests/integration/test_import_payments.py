"""`dragonfly import payments` against a real PostgreSQL: each payment through
record_enforcement_payment (interest first, one event), every kind of bad row reported with line
and column, all-or-nothing (also for a refusal only the recording finds), --partial, --dry-run
changes nothing, and a re-import of the same file records nothing twice."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from typer.testing import CliRunner

from dragonfly import db, rpc
from dragonfly.cli import imports
from dragonfly.doctor import CHAIN_SQL
from dragonfly.import_payments import PAYMENT_COLUMNS, import_payments
from tests.conftest import judgment

HEADER = list(PAYMENT_COLUMNS)
COURT = "Civil Court of the City of New York"


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


def pay(ref: str, key: str, gross: str = "100.00", **over: str) -> dict[str, str]:
    r = dict(case_ref=ref, received_on="2024-03-01", gross=gross, kind="levy_proceeds", payer_ref=key)
    r.update(over)
    return r


def snapshot(db_url: str) -> tuple[int, int, list[tuple]]:  # type: ignore[type-arg]
    with db.connect(db_url) as conn:
        payments = conn.execute("SELECT count(*) FROM payments").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM enforcement_events").fetchone()[0]
        money = conn.execute(
            "SELECT id, unpaid_principal, unpaid_costs, interest_carry, accrual_date FROM judgments ORDER BY id"
        ).fetchall()
    return payments, events, money


def cases(engine, n: int = 2) -> list[str]:  # type: ignore[no-untyped-def]
    refs = []
    with rpc.transaction(engine) as conn:
        for i in range(n):
            args = judgment(index_number=f"{70000 + i}/22", principal=Decimal("5000.00"), costs=Decimal("100.00"))
            refs.append(str(rpc.create_enforcement_case(conn, **args)["case_ref"]))
    return refs


def test_clean_file_records_each_payment_interest_first_and_reimport_is_harmless(engine, db_url, tmp_path):  # type: ignore[no-untyped-def]
    a, b = cases(engine)
    path = write_csv(
        tmp_path / "remit.csv",
        [
            pay(a, "CHK-1", "1,000.00", poundage="50.00", fees="5.00"),
            pay("", "CHK-2", "$250.00", court=COURT, index_number="70001/22", kind="garnishment_remittance"),
            pay(a, "CHK-0", "10.00", received_on="2024-01-15"),  # earlier date, later line: applied first
        ],
    )
    report = import_payments(url=db_url, path=path, actor="cli:tester")
    assert (report.created, report.bad_rows, report.problems) == (3, 0, [])
    with db.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT p.idempotency_key, p.gross, p.interest_part, p.principal_part, p.poundage, p.fees, p.received_on,"
            " p.recorded_by FROM payments p ORDER BY p.id"
        ).fetchall()
        events = conn.execute(
            "SELECT e.actor, e.source, e.payload FROM enforcement_events e WHERE e.kind = 'payment_recorded'"
            " ORDER BY e.id"
        ).fetchall()
        assert conn.execute(str(CHAIN_SQL.text)).fetchall() == []
    assert [r[0] for r in rows] == ["import:CHK-0", "import:CHK-1", "import:CHK-2"]
    first = rows[1]
    assert first[1] == Decimal("1000.00") and first[2] > 0 and first[2] + first[3] == Decimal("1000.00")
    assert (first[4], first[5], first[7]) == (Decimal("50.00"), Decimal("5.00"), "cli:tester")
    assert len(events) == 3 and {e[1] for e in events} == {"import"} and Decimal(str(events[0][2]["gross"])) == 10

    before = snapshot(db_url)
    again = import_payments(url=db_url, path=path, actor="cli:tester")
    assert (again.created, again.present, again.bad_rows) == (0, 3, 0)
    assert snapshot(db_url) == before


def test_every_kind_of_bad_row_is_reported_and_nothing_is_recorded(engine, db_url, tmp_path):  # type: ignore[no-untyped-def]
    a, b = cases(engine)
    with rpc.transaction(engine) as conn:
        rpc.record_enforcement_payment(
            conn,
            case_ref=b,
            amount=Decimal("5.00"),
            kind="direct",
            idempotency_key="import:USED",
            actor="cli:t",
            received_on="2024-06-01",
        )
        closed = str(rpc.create_enforcement_case(conn, **judgment(index_number="79999/22"))["case_ref"])
        rpc.set_enforcement_stage(conn, case_ref=closed, stage="closed", actor="cli:t", closing_reason="settled")
    rows = [
        pay(a, "OK-1"),  # line 2: good
        pay("DF-x", "K3"),  # 3
        pay("DF-99999", "K4"),  # 4
        pay("", "K5"),  # 5: no case at all
        pay("", "K6", court=COURT, index_number="1/99"),  # 6: no such judgment
        pay(a, "K7", court=COURT, index_number="70001/22"),  # 7: case_ref and index disagree
        pay(closed, "K8"),  # 8
        pay(a, "K9", received_on="2024-02-30"),  # 9
        pay(a, "K10", received_on="2999-01-01"),  # 10
        pay(b, "K11", received_on="2024-05-01"),  # 11: before b's last payment (2024-06-01)
        pay(a, "K12", gross="12,34.5"),  # 12
        pay(a, "K13", gross="-5.00"),  # 13
        pay(a, "K14", gross=""),  # 14
        pay(a, "K15", poundage="abc"),  # 15
        pay(a, "K16", fees="-1.00"),  # 16
        pay(a, "K17", kind="cash"),  # 17
        pay(a, "K18", kind="reversal"),  # 18
        pay(a, ""),  # 19
        pay(a, "DUP"),  # 20
        pay(a, "DUP"),  # 21
        pay(a, "USED", gross="6.00", kind="direct"),  # 22: key used by another payment
        pay(a, "K23", kind=""),  # 23
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    before = snapshot(db_url)
    report = import_payments(url=db_url, path=path, actor="cli:tester")
    assert report.blocked and not report.written and report.created == 0
    assert snapshot(db_url) == before
    by_line = {p.line: (p.column, p.reason) for p in report.problems}
    assert 2 not in by_line
    expect = {
        3: ("case_ref", "is not a case id"),
        4: ("case_ref", "there is no case DF-99999"),
        5: ("case_ref", "give case_ref, or court and index_number"),
        6: ("index_number", "has index number 1/99"),
        7: ("case_ref", "that judgment is DF-"),
        8: ("case_ref", "is closed"),
        9: ("received_on", "not a date"),
        10: ("received_on", "in the future"),
        11: ("received_on", "before 2024-06-01"),
        12: ("gross", "not an amount"),
        13: ("gross", "must be more than zero"),
        14: ("gross", "required"),
        15: ("poundage", "not an amount"),
        16: ("fees", "cannot be negative"),
        17: ("kind", "not a payment kind"),
        18: ("kind", "reversal"),
        19: ("payer_ref", "required"),
        20: ("payer_ref", "lines 20, 21"),
        21: ("payer_ref", "lines 20, 21"),
        22: ("payer_ref", "already recorded as payment #"),
        23: ("kind", "required"),
    }
    for line, (column, words) in expect.items():
        assert line in by_line, (line, report.problems)
        assert by_line[line][0] == column and words in by_line[line][1], (line, by_line[line])
    assert report.bad_rows == len(expect)


def test_a_refusal_only_recording_finds_rolls_back_everything_unless_partial(engine, db_url, tmp_path):  # type: ignore[no-untyped-def]
    a, b = cases(engine)
    rows = [pay(a, "P-1", "4,000.00"), pay(a, "P-2", "4,000.00", received_on="2024-03-02"), pay(b, "P-3", "10.00")]
    path = write_csv(tmp_path / "over.csv", rows)  # together more than a's balance of ~5,100 + interest
    before = snapshot(db_url)
    report = import_payments(url=db_url, path=path, actor="cli:tester")
    assert report.blocked and report.created == 0 and snapshot(db_url) == before
    assert [(p.line, p.column) for p in report.problems] == [(3, "gross")]
    assert "more than the balance" in report.problems[0].reason

    dry = import_payments(url=db_url, path=path, actor="cli:tester", dry_run=True)
    assert dry.created == 0 and [p.line for p in dry.problems] == [3] and snapshot(db_url) == before

    partial = import_payments(url=db_url, path=path, actor="cli:tester", partial=True)
    assert partial.created == 2 and [p.line for p in partial.problems] == [3]
    assert snapshot(db_url)[0] == before[0] + 2


def test_cli_dry_run_changes_nothing_and_xlsx_is_read(engine, db_url, tmp_path):  # type: ignore[no-untyped-def]
    (a,) = cases(engine, 1)
    wb = Workbook()
    ws = wb.active
    ws.append(["Payer_Ref", "Case_Ref", "Received_On", "Gross", "Kind"])
    ws.append(["LB-1", a, "2024-03-01", 125.5, "direct"])
    path = tmp_path / "lockbox.xlsx"
    wb.save(path)
    env = {"DATABASE_URL": db_url, "DRAGONFLY_HOME": str(tmp_path / "home"), "DRAGONFLY_OPERATOR": "tester"}
    before = snapshot(db_url)
    dry = CliRunner().invoke(imports.app, ["payments", str(path), "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing written" in dry.output and "1 payments would be created" in dry.output
    assert snapshot(db_url) == before
    done = CliRunner().invoke(imports.app, ["payments", str(path)], env=env)
    assert done.exit_code == 0 and "1 payments created" in done.output, done.output
    bad = write_csv(tmp_path / "b.csv", [pay(a, "Z", gross="x")])
    errors = tmp_path / "errors.csv"
    out = CliRunner().invoke(imports.app, ["payments", str(bad), "--errors", str(errors)], env=env)
    assert out.exit_code == 1 and "Nothing imported" in out.output
    assert "not an amount" in errors.read_text()
    missing = write_csv(tmp_path / "m.csv", [], header=["case_ref", "gross"])
    refused = CliRunner().invoke(imports.app, ["payments", str(missing)], env=env)
    assert refused.exit_code == 2 and "required columns missing" in refused.output
