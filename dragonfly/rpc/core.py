"""How Python calls a sanctioned SQL function: named arguments, one error translation, one
transaction idiom.

`call` (one value), `rows` (a set-returning function) and `call_each_at` (one call per row, each
under its own clock) take an open SQLAlchemy connection; `call_session` takes a bare psycopg
connection (the COPY-based imports, whose temp tables live in the session). All of them turn a
refusal of the database (a DF-class SQLSTATE) into a `dragonfly.errors.DomainError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, TextClause, text
from sqlalchemy.exc import DBAPIError

from dragonfly.errors import DomainError, InvalidInput, from_sqlstate

Result = dict[str, Any]


def domain_error(orig: BaseException | None) -> DomainError | None:
    """The domain error behind a driver error (psycopg), if the database refused on purpose."""
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    message = getattr(diag, "message_primary", None) or str(orig)
    hint = getattr(diag, "message_hint", None)
    return from_sqlstate(sqlstate, message, hint)


def translate(exc: DBAPIError) -> DomainError | None:
    """The domain error behind a SQLAlchemy database error, if the database refused on purpose."""
    return domain_error(exc.orig)


def _arguments(names: Sequence[str], placeholder: str) -> str:
    # A trailing underscore spells an argument whose name is a Python keyword (p_from: from_).
    return ", ".join(f"p_{n.rstrip('_')} => {placeholder.format(n)}" for n in names)


@lru_cache(maxsize=256)
def _statement(function: str, names: tuple[str, ...]) -> TextClause:
    return text(f"SELECT {function}({_arguments(names, ':{}')})")


@lru_cache(maxsize=256)
def _rows_statement(function: str, names: tuple[str, ...]) -> TextClause:
    return text(f"SELECT * FROM {function}({_arguments(names, ':{}')})")


def refuse_unstorable_text(params: dict[str, Any]) -> None:
    """PostgreSQL text holds neither NUL nor lone surrogates: refuse them in words, not a driver error."""
    for name, value in params.items():
        if not isinstance(value, str):
            continue
        what = name.replace("_", " ")
        if "\x00" in value:
            raise InvalidInput(f"The {what} contains a NUL character", "Remove it (it cannot be stored) and try again.")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput(
                f"The {what} contains a character that is not valid Unicode",
                "Retype it, or paste it again from a plain-text source.",
            ) from None


def _given(params: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The arguments to pass (a None argument takes the SQL default) and the names left out."""
    refuse_unstorable_text(params)
    missing = sorted(k for k, v in params.items() if v is None)
    return {k: v for k, v in params.items() if v is not None}, missing


def _raise_translated(exc: DBAPIError, missing: list[str]) -> None:
    domain = translate(exc)
    if domain is not None:
        raise domain from None
    if getattr(exc.orig, "sqlstate", None) == "42883" and missing:
        # A required argument was left out (None): say which, instead of "function does not exist".
        raise InvalidInput(
            f"Missing {', '.join(m.replace('_', ' ') for m in missing)}", "Fill in every required field."
        ) from None


def call(conn: Connection, function: str, **params: Any) -> Any:
    """Call one sanctioned function with named arguments; None arguments take the SQL default."""
    given, missing = _given(params)
    try:
        return conn.execute(_statement(function, tuple(sorted(given))), given).scalar_one()
    except DBAPIError as exc:
        _raise_translated(exc, missing)
        raise


def rows(conn: Connection, function: str, **params: Any) -> list[Result]:
    """The rows of a set-returning sanctioned function, as dicts."""
    given, missing = _given(params)
    try:
        return [dict(r._mapping) for r in conn.execute(_rows_statement(function, tuple(sorted(given))), given)]
    except DBAPIError as exc:
        _raise_translated(exc, missing)
        raise


def call_session(conn: psycopg.Connection, function: str, **params: Any) -> Any:
    """`call` on a bare psycopg connection (the imports' COPY sessions); the caller rolls back."""
    given, _ = _given(params)
    try:
        row = conn.execute(f"SELECT {function}({_arguments(sorted(given), '%({})s')})", given).fetchone()
    except psycopg.Error as exc:
        domain = domain_error(exc)
        if domain is not None:
            raise domain from None
        raise
    assert row is not None
    return row[0]


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: commit on success, roll back on any error."""
    with engine.begin() as conn:
        yield conn


def set_clock(conn: Connection, at: datetime | None) -> None:
    """Run this transaction's functions as if it were `at` (operator sessions only: the
    application role's clock is always the real one). Used by the demo seed, history imports and
    tests with a controlled clock."""
    conn.execute(text("SELECT set_config('dragonfly.clock', :at, true)"), {"at": at.isoformat() if at else ""})


@lru_cache(maxsize=64)
def _each_at_statement(function: str, columns: tuple[tuple[str, str], ...]) -> TextClause:
    cols = ", ".join(f"{k} {v}" for k, v in (("at", "text"), *columns))
    # A column the function takes as `at` travels as `at_`, since `at` is each row's clock.
    args = ", ".join(f"p_{k.rstrip('_')} => r.{k}" for k, _ in columns)
    # set_config runs first for each row, so the function sees that row's clock.
    return text(
        f"SELECT set_config('dragonfly.clock', r.at, true), {function}({args}) "
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({cols})"
    )


def call_each_at(
    conn: Connection, function: str, columns: dict[str, str], batch: Sequence[dict[str, Any]], *, chunk: int = 2000
) -> list[Any]:
    """Call `function` once per row of `batch`, each as if it were the row's `at` (history replay:
    the demo book). `columns` names each argument's SQL type; returns each call's result."""
    statement = _each_at_statement(function, tuple(columns.items()))
    results: list[Any] = []
    try:
        for i in range(0, len(batch), chunk):
            part = json.dumps(list(batch[i : i + chunk]), default=str)
            results.extend(r[1] for r in conn.execute(statement, {"rows": part}))
    except DBAPIError as exc:
        _raise_translated(exc, [])
        raise
    return results
