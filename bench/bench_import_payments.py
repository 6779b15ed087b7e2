"""Bulk payments import vs a same-tables floor, in one run.

    python bench/bench_import_payments.py [--rows 100000] [--cases 20000]

Server: DATABASE_URL, else DRAGONFLY_TEST_DATABASE_URL, else the embedded PostgreSQL. A scratch
database is created and migrated (and dropped at the end); CASES judgments are imported, then
ROWS valid payments are generated (CSV, several per case, dates in order per case) and timed:
(a) the floor: the same file COPYed into a typed table, then for each row the writes a payment makes
    to the same tables (judgment balance, payments row, case's last payment, hash-chained event via
    append_event) with no rule checked and no interest computed, and the read model refreshed once
    per case at the end as the import does; rolled back afterwards;
(b) the import: `dragonfly.import_payments.import_payments` (read, COPY into staging, set-based
    checks, each row through record_enforcement_payment: interest first, balance and date rules,
    idempotency key, event), committed.
Prints rows/s for both and the ratio (import rate / floor rate). Target (issue 16): ratio >= 0.5.
Then re-imports the same file (everything "already present", nothing recorded).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_import import generate as generate_judgments  # noqa: E402
from bench.bench_import import server_url  # noqa: E402
from dragonfly import db, importer  # noqa: E402
from dragonfly.import_payments import PAYMENT_COLUMNS, import_payments  # noqa: E402

KINDS = ["levy_proceeds", "garnishment_remittance", "direct", "plan_installment"]

FLOOR = """
CREATE TABLE bench_floor_rows (case_ref text, court text, index_number text, received_on date, gross numeric(14,2),
                               poundage numeric(14,2), fees numeric(14,2), kind text, payer_ref text);
CREATE FUNCTION bench_floor_apply(p_actor text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE r record; c enforcement_cases; v_id bigint; n integer := 0;
BEGIN
    -- The read model is refreshed once per case at the end, as the import does (sql/0086).
    PERFORM set_config('dragonfly.read_model_deferred', 'on', true);
    FOR r IN SELECT * FROM bench_floor_rows ORDER BY received_on LOOP
        SELECT * INTO c FROM enforcement_cases WHERE case_number = substring(r.case_ref FROM '\\d+')::bigint FOR UPDATE;
        UPDATE judgments SET unpaid_principal = unpaid_principal - r.gross, accrual_date = r.received_on
         WHERE id = c.judgment_id;
        INSERT INTO payments (case_id, kind, gross, interest_part, principal_part, costs_part, poundage, fees,
                              received_on, idempotency_key, recorded_by)
        VALUES (c.id, r.kind::payment_kind, r.gross, 0, r.gross, 0, r.poundage, r.fees, r.received_on,
                'floor:' || r.payer_ref, p_actor) RETURNING id INTO v_id;
        UPDATE enforcement_cases SET last_payment_at = r.received_on WHERE id = c.id;
        PERFORM append_event(c.id, 'payment_recorded', p_actor, 'import', jsonb_build_object(
            'payment_id', v_id, 'kind', r.kind, 'gross', r.gross, 'received_on', r.received_on));
        n := n + 1;
    END LOOP;
    PERFORM set_config('dragonfly.read_model_deferred', 'off', true);
    PERFORM refresh_case_read_model(ARRAY(SELECT DISTINCT x.id FROM bench_floor_rows y
                                            JOIN enforcement_cases x ON x.case_ref = y.case_ref));
    RETURN n;
END $$;
"""


def generate_payments(path: Path, rows: int, first_case: int, cases: int, seed: int = 16) -> None:
    """ROWS payments spread over the cases, small enough never to exceed a balance, dated from 2025
    in file order per case (the file itself is shuffled, as remittance reports come)."""
    rnd = random.Random(seed)
    start = date(2025, 1, 2)  # after every generated judgment's entry date
    lines = []
    for i in range(rows):
        case = first_case + i % cases
        round_ = i // cases
        received = start + timedelta(days=round_ * 3 + rnd.randint(0, 2))
        cents = rnd.randint(10_00, 90_00)
        lines.append(
            [
                f"DF-{case}",
                "",
                "",
                received.isoformat(),
                f"{cents // 100}.{cents % 100:02d}",
                "0.00",
                "0.00",
                KINDS[i % len(KINDS)],
                f"RMT-{i:07d}",
            ]
        )
    rnd.shuffle(lines)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(PAYMENT_COLUMNS)
        w.writerows(lines)


def floor(url: str, path: Path) -> float:
    with db.connect(url) as conn:
        conn.execute(FLOOR)
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor().copy("COPY bench_floor_rows FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        n = conn.execute("SELECT bench_floor_apply('cli:bench')").fetchone()[0]  # type: ignore[index]
        seconds = time.perf_counter() - started
        conn.rollback()  # the floor leaves nothing behind: the import starts from the same book
        conn.execute("DROP FUNCTION bench_floor_apply(text); DROP TABLE bench_floor_rows")
        conn.commit()
    # The rolled-back floor leaves 100,000 dead payments and events (and their index entries):
    # clear them so the import meets the tables as a real import would.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE payments, enforcement_events, judgments, enforcement_cases")
    assert n > 0
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()

    admin = server_url()
    name = f"df_bench_payments_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    url = db.with_database(admin, name)
    try:
        db.upgrade(url)
        with tempfile.TemporaryDirectory() as tmp:
            judgments = Path(tmp) / "judgments.csv"
            generate_judgments(judgments, args.cases)
            made = importer.import_judgments(url=url, path=judgments, actor="cli:bench", source="bench")
            assert made.created == args.cases, made.problems[:3]
            first = int(str(made.first_case_ref).removeprefix("DF-"))
            path = Path(tmp) / "payments.csv"
            generate_payments(path, args.rows, first, args.cases)
            floor_s = floor(url, path)
            report = import_payments(url=url, path=path, actor="cli:bench")
            again = import_payments(url=url, path=path, actor="cli:bench")
        assert report.created == args.rows and not report.problems, (report.created, report.problems[:3])
        assert again.created == 0 and again.present == args.rows
        floor_rate, import_rate = args.rows / floor_s, args.rows / report.seconds
        ratio = import_rate / floor_rate
        print(f"rows: {args.rows:,} payments on {args.cases:,} cases")
        print(f"(a) floor, same tables, no rules:  {floor_s:8.2f} s  {floor_rate:10,.0f} rows/s")
        print(f"(b) import (record_enforcement_payment): {report.seconds:8.2f} s  {import_rate:10,.0f} rows/s")
        print(f"ratio (b)/(a): {ratio:.3f}   target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'}")
        print(f"re-import of the same file: {again.seconds:.2f} s, {again.present:,} already present, 0 recorded")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
