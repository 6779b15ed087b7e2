"""An import's database session: the file streamed into a temp staging table with COPY, the
rows checked set-based in SQL, the problems read back. The session's temp tables outlive its
transactions, so one session stages, checks and applies in batches."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from dragonfly import db
from dragonfly.import_files import ImportFileError, RowProblem, header_map, read_rows

_READ_TICK = 5_000
_TEMP_BUFFERS = "128MB"

# Progress callback: (phase, done, total or None). Phases: read, check, create, record.
Progress = Callable[[str, int, "int | None"], None]


@dataclass
class ImportReport:
    """What an import did (or, with dry_run, would do)."""

    kind: str
    path: Path
    rows: int = 0
    to_create: int = 0
    to_update: int = 0
    present: int = 0
    bad_rows: int = 0
    created: int = 0
    updated: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False
    partial: bool = False
    written: bool = False
    batches: int = 0
    seconds: float = 0.0
    first_case_ref: str | None = None
    last_case_ref: str | None = None
    started: float = field(default_factory=time.perf_counter, repr=False, compare=False)

    @property
    def blocked(self) -> bool:
        """Bad rows stopped the import (nothing written)."""
        return self.bad_rows > 0 and not self.partial

    def count_problems(self) -> None:
        """Sort the problems by line and count the bad rows."""
        self.problems.sort(key=lambda p: p.line)
        self.bad_rows = len({p.line for p in self.problems})

    def done(self) -> ImportReport:
        self.seconds = time.perf_counter() - self.started
        return self


@dataclass(frozen=True)
class Layout:
    """A kind of import file: the columns it may have, those it must have, and the temp table it
    is COPYed into (every field as text, with its line)."""

    table: str
    columns: tuple[str, ...]
    required: tuple[str, ...]

    @property
    def ddl(self) -> str:
        fields = ", ".join(f"{c} text" for c in self.columns)
        return f"CREATE TEMP TABLE {self.table} (line integer NOT NULL, {fields})"


@contextmanager
def session(url: str, *, drop: tuple[str, ...] = ()) -> Iterator[psycopg.Connection]:
    """An import session: any error rolls back the open transaction (a refusal comes out of
    rpc.call_session as a DomainError); the temp tables in `drop` are dropped at the end."""
    with db.connect(url) as conn:
        # Its temp tables (staging, checked rows, each batch's work tables) stay in memory up to
        # _TEMP_BUFFERS (settable only before the session's first temp table).
        conn.execute(f"SET temp_buffers = '{_TEMP_BUFFERS}'")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        finally:
            if drop:
                conn.execute(f"DROP TABLE IF EXISTS {', '.join(f'pg_temp.{t}' for t in drop)}")
                conn.commit()


def stage(
    conn: psycopg.Connection,
    layout: Layout,
    path: Path,
    report: ImportReport,
    progress: Progress | None,
    total: int | None = None,
) -> None:
    """Stream the file into the layout's temp staging table with COPY; ragged rows become problems."""
    table, columns = layout.table, layout.columns
    rows = read_rows(path)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(f"{path.name} has no header line (only blank lines)")
    _, header = first
    positions = header_map(header, columns, layout.required, path.name)
    width = len(header)
    # A sheet has no field count: missing cells are empty, cells beyond the header are ignored.
    sheet = path.suffix.lower() in (".xlsx", ".xlsm")
    conn.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
    conn.execute(layout.ddl)
    staged = 0
    with conn.cursor().copy(f"COPY pg_temp.{table} (line, {', '.join(columns)}) FROM STDIN") as copy:
        for line, fields in rows:
            report.rows += 1
            if sheet:
                fields = (fields + [""] * width)[:width]
            if len(fields) != width:
                report.problems.append(
                    RowProblem(
                        line,
                        "(row)",
                        f"has {len(fields)} fields, the header has {width}"
                        + (": a column is missing" if len(fields) < width else ": an unquoted comma?"),
                    )
                )
                continue
            copy.write_row((line, *[fields[p] if p is not None else None for p in positions]))
            staged += 1
            if progress and staged % _READ_TICK == 0:
                progress("read", report.rows, total)
    if progress:
        progress("read", report.rows, report.rows)
    conn.execute(f"ANALYZE pg_temp.{table}")


def problems_from_sql(conn: psycopg.Connection, table: str) -> list[RowProblem]:
    out = []
    cur = conn.execute(
        f"SELECT line, p FROM pg_temp.{table}, unnest(problems) AS p WHERE status = 'error' ORDER BY line"
    )
    for line, p in cur:
        column, _, reason = p.partition("|")
        out.append(RowProblem(int(line), column, reason))
    return out
