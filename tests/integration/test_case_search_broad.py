"""The picker's name search finds the same cases, in the same order, whichever way it takes
(sql/0150_case_search_broad_names.sql): walking the open cases in the list's order (a text many
cases match) or going from the names an index finds to their cases (a text few match). Each way is
forced with p_broad_from (0: every rank is walked; 10**9: never) and compared with the definition:
the open cases with a debtor or plaintiff name containing the text, those with a name starting
with it first, then by tier (highest first) and case number."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dragonfly import rpc

NAMES = [
    ("Acme Funding LLC", "Maria Acme"),
    ("Acme Funding LLC", "Demo Debtor 12"),
    ("Acme Funding LLC", "Demo Debtor 123"),
    ("Bayside Medical Group", "Acme Holdings 4711"),
    ("Bayside Medical Group", "Demo Debtor 1234"),
    ("Bayside Medical Group", "debtor demo 7"),
    ("Citywide Lenders Inc", "Jose Garcia"),
    ("Citywide Lenders Inc", "Garcia Acme Corp"),
    ("Citywide Lenders Inc", "Demo Debtor 412"),
    ("Demo Plaintiff", "Kim Lee"),
]
# Texts that match many, few, none; a prefix of some names and inside others; in any case.
TEXTS = [
    "Acme",
    "acme funding",
    "Demo",
    "Debtor",
    "Debtor 12",
    "debtor 123",
    "4711",
    "Garcia",
    "zzz",
    "a",
    "Lee",
    "Demo Debtor 1234",
    "Funding",
    "Bayside",
    "LLC",
    "e",
]


@pytest.fixture
def book(engine, make_case):  # type: ignore[no-untyped-def]
    refs = []
    for i, (plaintiff, debtor) in enumerate(NAMES * 3):
        # three principals, so that the book has three tiers (the list orders by tier first)
        principal = Decimal(("1500.00", "20000.00", "150000.00")[i % 3])
        refs.append(make_case(plaintiff_name=plaintiff, debtor_name=debtor, principal=principal))
    with rpc.transaction(engine) as conn:
        for ref in refs[::7]:  # closed cases are never offered
            rpc.set_enforcement_stage(conn, case_ref=ref, stage="closed", closing_reason="settled", actor="cli:test")
    return refs


def _search(engine, q: str, limit: int, broad_from: int) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [
            (r.case_ref, r.rank)
            for r in conn.execute(
                text("SELECT * FROM search_open_cases(:q, '', :n, :b)"), {"q": q, "n": limit, "b": broad_from}
            )
        ]


def _defined(engine, q: str, limit: int) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [
            (r.case_ref, r.rank)
            for r in conn.execute(
                text(
                    "SELECT c.case_ref, CASE WHEN d.name ILIKE :pre OR p.name ILIKE :pre THEN 2 ELSE 3 END AS rank"
                    " FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id"
                    " JOIN debtors d ON d.id = j.debtor_id JOIN plaintiffs p ON p.id = j.plaintiff_id"
                    " WHERE c.status = 'open' AND (d.name ILIKE :any OR p.name ILIKE :any)"
                    " ORDER BY 2, c.tier DESC, c.case_number LIMIT :n"
                ),
                {"pre": f"{q}%", "any": f"%{q}%", "n": limit},
            )
        ]


@pytest.mark.parametrize("limit", [1, 4, 100])
def test_walking_and_indexes_give_the_defined_answer(engine, book, limit: int) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        tiers = conn.execute(text("SELECT count(DISTINCT tier) FROM enforcement_cases WHERE status = 'open'")).scalar()
    assert tiers and tiers > 1  # the order by tier is tested, not assumed
    for q in TEXTS:
        defined = _defined(engine, q, limit)
        assert _search(engine, q, limit, 0) == defined, q
        assert _search(engine, q, limit, 10**9) == defined, q
        assert _search(engine, q, limit, 5000) == defined, q


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.sampled_from([n for pair in NAMES for n in pair])
    .flatmap(
        lambda name: st.tuples(st.integers(0, len(name) - 1), st.integers(1, len(name))).map(
            lambda ij: name[min(ij) : max(ij) + 1]
        )
    )
    .filter(str.strip),
    limit=st.sampled_from([1, 2, 5, 100]),
    broad_from=st.sampled_from([0, 2, 10**9]),
)
def test_any_piece_of_a_name_gives_the_defined_answer(engine, book, q: str, limit: int, broad_from: int) -> None:  # type: ignore[no-untyped-def]
    assert _search(engine, q, limit, broad_from) == _defined(engine, q.strip(), limit)
