"""The picker's name search reads the trigram index for one word of the text, the longest with a
digit (sql/0122_case_search_probe.sql), and keeps exactly the names that contain the whole text:
the same cases, in the same order, as the whole text would find."""

from __future__ import annotations

from sqlalchemy import text


def _search(engine, q: str) -> list[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return [r.case_ref for r in conn.execute(text("SELECT * FROM search_open_cases(:q, '', 100)"), {"q": q})]


def _contains(engine, q: str) -> set[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return set(
            conn.execute(
                text(
                    "SELECT c.case_ref FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id"
                    " JOIN debtors d ON d.id = j.debtor_id JOIN plaintiffs p ON p.id = j.plaintiff_id"
                    " WHERE c.status = 'open' AND (d.name ILIKE :p OR p.name ILIKE :p)"
                ),
                {"p": f"%{q}%"},
            ).scalars()
        )


def test_a_digit_word_finds_only_names_holding_the_whole_text(engine, make_case) -> None:  # type: ignore[no-untyped-def]
    acme = make_case(debtor_name="Acme 4711 Corp")
    acme_two = make_case(debtor_name="Acme Holdings 4711")
    make_case(debtor_name="Other 4711 Corp")
    make_case(debtor_name="Acme 4712 Corp")
    plaintiff = make_case(debtor_name="Someone", plaintiff_name="Acme 4711 Funding")
    assert set(_search(engine, "Acme 4711")) == {acme, plaintiff} == _contains(engine, "Acme 4711")
    # "Acme 4711 Corp" starts with the text: rank 2 before the names that only contain it
    assert _search(engine, "acme 4711")[0] in {acme, plaintiff}
    assert set(_search(engine, "4711")) == _contains(engine, "4711") and acme_two in _search(engine, "4711")
    # no word with a digit (or only short ones): the whole text, as before
    assert set(_search(engine, "Acme Hold")) == {acme_two} == _contains(engine, "Acme Hold")
    assert set(_search(engine, "Corp 47")) == set() == _contains(engine, "Corp 47")
