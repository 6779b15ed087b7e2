"""Bulk import vs its floor, in one run.

    python bench/bench_import.py [--rows 100000] [--batch-size 10000]

Server: DATABASE_URL, else DRAGONFLY_TEST_DATABASE_URL, else the embedded PostgreSQL. Two scratch
databases are created and migrated, then dropped. Generates ROWS valid judgment rows (CSV), then times
(b) the full import: `dragonfly.importer.import_judgments` (parse, COPY into staging, checks, cases,
events, the read model its triggers keep) into the first, and
(c) the floor (issue 12): the same rows written to the same tables with the same keys and indexes
in the second: every row the import added (plaintiffs, debtors, judgments, interest segments,
dockets, cases, events, read model, totals), already validated and hashed, COPYed table by table
with no triggers and no foreign-key checks (session_replication_role = replica), in one transaction;
for context, (c') the same COPY with the foreign keys enforced (PostgreSQL's own per-row checks, the
tables' other triggers off), which shows how much of the gap is the database keeping its keys, and
(a) a raw COPY of the file into a bare table with the same columns (no keys).
Prints rows/s and the ratios import rate / floor rate.
Targets: issue 12: (b)/(c) >= 0.5 and 1,000,000 rows in under 5 minutes; issue 6: (b)/(a) >= 0.25
and 100,000 rows in under 60 s.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dragonfly import db, importer  # noqa: E402

COUNTIES = [
    "Kings",
    "Queens",
    "New York",
    "Bronx",
    "Richmond",
    "Nassau",
    "Suffolk",
    "Erie",
    "Monroe",
    "Albany",
]
COURTS = ["Civil Court of the City of New York", "Supreme Court", "District Court"]

FLOOR_TABLE = """CREATE TABLE bench_floor (
    plaintiff_name text, debtor_name text, debtor_type text, court text, county text,
    index_number text,
    entered_on date, principal numeric(14,2), costs numeric(14,2), consumer_debt boolean,
    owner_slack_id text, external_ref text)"""


def server_url() -> str:
    url = os.environ.get("DATABASE_URL") or os.environ.get("DRAGONFLY_TEST_DATABASE_URL")
    if url:
        return db.plain_url(url)
    return db.embedded_url(Path(os.environ.get("DRAGONFLY_HOME", "./var")).resolve())


def generate(path: Path, rows: int, seed: int = 6) -> None:
    """Valid, distinct judgments; 500 plaintiffs; plain amounts (the typed floor reads them)."""
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(importer.JUDGMENT_COLUMNS)
        for i in range(rows):
            principal = rnd.randint(100_00, 250_000_00)
            w.writerow(
                [
                    f"Plaintiff {i % 500} LLC",
                    f"Debtor {i}, {rnd.choice(['Jr.', 'Sr.', 'Inc.'])}",
                    "business" if i % 3 == 0 else "person",
                    COURTS[i % len(COURTS)],
                    COUNTIES[i % len(COUNTIES)],
                    f"{100000 + i}/{10 + i % 15}",
                    f"20{10 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                    f"{principal // 100}.{principal % 100:02d}",
                    f"{rnd.randint(0, 900)}.00",
                    "true" if i % 4 == 0 else "false",
                    f"U0OWN{i % 9}",
                    f"EXT-{i}",
                ]
            )


def floor(url: str, path: Path) -> float:
    with db.connect(url) as conn:
        conn.execute(FLOOR_TABLE)
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor().copy("COPY bench_floor FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_floor")
        conn.commit()
    return seconds


TABLES_SQL = (
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1"
)


def table_counts(url: str) -> dict[str, int]:
    with db.connect(url) as conn:
        names = [r[0] for r in conn.execute(TABLES_SQL)]
        return {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in names}  # type: ignore[arg-type,index]


def export_added(url: str, before: dict[str, int], tmp: Path) -> list[tuple[str, Path]]:
    """Every row the import added, one binary COPY file per table (tables that were empty before)."""
    after = table_counts(url)
    grown = [t for t in after if after[t] > before.get(t, 0)]
    assert all(before.get(t, 0) == 0 for t in grown), {t: before[t] for t in grown if before.get(t)}
    out = []
    with db.connect(url) as conn:
        for t in grown:
            target = tmp / f"{t}.copy"
            with target.open("wb") as f, conn.cursor().copy(f"COPY {t} TO STDOUT (FORMAT binary)") as copy:  # type: ignore[arg-type]
                for chunk in copy:
                    f.write(chunk)
            out.append((t, target))
    return out


# Tables in an order where every foreign key points at a table loaded before it.
FK_ORDER_SQL = """
WITH RECURSIVE deps AS (
    SELECT c.relname AS t, 0 AS depth FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r'
    UNION ALL
    SELECT d.t, r.depth + 1 FROM deps r
      JOIN pg_constraint k ON k.contype = 'f' AND k.confrelid::regclass::text = r.t AND k.conrelid <> k.confrelid
      JOIN LATERAL (SELECT k.conrelid::regclass::text AS t) d ON true
     WHERE r.depth < 20)
SELECT t FROM deps GROUP BY t ORDER BY max(depth), t"""


def same_tables_floor(url: str, files: list[tuple[str, Path]], *, keys: bool = False) -> float:
    """COPY the already-validated rows into the same tables (same keys and indexes), no checks.

    With keys, the foreign keys are enforced row by row as on any write (the tables' own triggers,
    the read model's and the log's, stay off), the tables loaded parents first."""
    with db.connect(url) as conn:
        if keys:
            order = [r[0] for r in conn.execute(FK_ORDER_SQL)]
            files = sorted(files, key=lambda f: order.index(f[0]))
            for table, _ in files:
                conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # type: ignore[arg-type]
            conn.commit()
        started = time.perf_counter()
        if not keys:
            conn.execute("SET session_replication_role = replica")
        for table, path in files:
            with conn.cursor().copy(f"COPY {table} FROM STDIN (FORMAT binary)") as copy, path.open("rb") as f:  # type: ignore[arg-type]
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=importer.DEFAULT_BATCH_SIZE)
    args = parser.parse_args()

    admin = server_url()
    name, floor_name = f"df_bench_import_{os.getpid()}", f"df_bench_import_floor_{os.getpid()}"
    keyed_name = f"df_bench_import_keyed_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        for n in (name, floor_name, keyed_name):
            conn.execute(f"DROP DATABASE IF EXISTS {n}")  # type: ignore[arg-type]
            conn.execute(f"CREATE DATABASE {n}")  # type: ignore[arg-type]
    url, floor_url = db.with_database(admin, name), db.with_database(admin, floor_name)
    keyed_url = db.with_database(admin, keyed_name)
    try:
        for u in (url, floor_url, keyed_url):
            db.upgrade(u)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "judgments.csv"
            generate(path, args.rows)
            size = path.stat().st_size
            floor_s = floor(url, path)
            before = table_counts(url)
            report = importer.import_judgments(
                url=url, path=path, actor="cli:bench", source="bench", batch_size=args.batch_size
            )
            import_s = report.seconds
            files = export_added(url, before, Path(tmp))
            tables_s = same_tables_floor(floor_url, files)
            keyed_s = same_tables_floor(keyed_url, files, keys=True)
            again = importer.import_judgments(url=url, path=path, actor="cli:bench", source="bench")
        assert report.created == args.rows and not report.problems, (
            report.created,
            report.problems[:3],
        )
        assert again.created == 0 and again.present == args.rows
        floor_rate, import_rate, tables_rate = args.rows / floor_s, args.rows / import_s, args.rows / tables_s
        ratio = import_rate / floor_rate
        print(f"rows: {args.rows:,} ({size / 1e6:.1f} MB CSV), batch size {args.batch_size:,}")
        print(f"(a) raw COPY of the file into a bare table: {floor_s:8.2f} s  {floor_rate:12,.0f} rows/s")
        print(f"(b) full import (cases + events):           {import_s:8.2f} s  {import_rate:12,.0f} rows/s")
        print(f"(c) floor: the same rows into the same tables ({', '.join(t for t, _ in files)}),")
        print(f"    COPY, no checks, no hashing:            {tables_s:8.2f} s  {tables_rate:12,.0f} rows/s")
        print(f"(c') the same COPY, foreign keys enforced:  {keyed_s:8.2f} s  {args.rows / keyed_s:12,.0f} rows/s")
        tables_ratio = import_rate / tables_rate
        print(f"ratio (b)/(c): {tables_ratio:.3f}   target >= 0.5: {'met' if tables_ratio >= 0.5 else 'NOT met'}")
        print(
            f"ratio (b)/(c'): {keyed_s / import_s:.3f}   (context: of the import's {import_s - tables_s:.2f} s over"
            f" the floor, {keyed_s - tables_s:.2f} s is PostgreSQL checking the foreign keys)"
        )
        print(
            f"1M-row time target (< 300 s): {'met' if import_s / args.rows * 1e6 < 300 else 'NOT met'}"
            f" ({import_s / args.rows * 1e6:.0f} s per 1M)"
        )
        print(f"ratio (b)/(a): {ratio:.3f}   target >= 0.25: {'met' if ratio >= 0.25 else 'NOT met'}")
        print(
            f"100k-row time target (< 60 s): "
            f"{'met' if import_s / args.rows * 100_000 < 60 else 'NOT met'} "
            f"({import_s / args.rows * 100_000:.1f} s per 100k)"
        )
        print(
            f"re-import of the same file: {again.seconds:.2f} s, "
            f"{again.present:,} already present, 0 created"
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {keyed_name} WITH (FORCE)")  # type: ignore[arg-type]
            conn.execute(f"DROP DATABASE IF EXISTS {floor_name} WITH (FORCE)")  # type: ignore[arg-type]
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
