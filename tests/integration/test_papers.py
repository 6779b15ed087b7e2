"""Papers drafted from a real case in a real database, opened with python-docx: the filled values
(index number, amounts to the cent, interest rate and basis, today's date in the firm's zone),
refusals that name every missing fact and change nothing, and drafts that are stored through the
gate but never accepted as proof of a step."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from sqlalchemy import text
from sqlmodel import Session

from dragonfly import errors, rpc
from dragonfly.bootstrap import Services
from dragonfly.papers import PAPERS
from dragonfly.papers.addresses import set_case_address
from dragonfly.papers.draft import draft, file_draft
from dragonfly.papers.facts import PaperRefused

CENT = Decimal("0.01")


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    body = "\n".join(p.text for p in doc.paragraphs)
    header = "\n".join(p.text for p in doc.sections[0].header.paragraphs)
    return header + "\n" + body


def today(services: Services) -> date:
    return datetime.now(ZoneInfo(services.settings.dragonfly_timezone)).date()


def long(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def addresses(engine: Any, ref: str, *roles: str) -> None:
    book = {
        "debtor": (None, "12 Main St, Apt 4; Brooklyn, NY 11201"),
        "garnishee": ("First Example Bank", "Legal Process; 270 Park Ave; New York, NY 10017"),
        "employer": ("Widget Works & Sons LLC", "Payroll; 5 Hanover Sq; New York, NY 10004"),
        "officer": ("Marshal Robin Roe", "1 Centre St; New York, NY 10007"),
    }
    with rpc.transaction(engine) as conn:
        for role in roles:
            name, address = book[role]
            set_case_address(conn, case_ref=ref, role=role, name=name, address=address, actor="cli:test")


@pytest.fixture
def paid_case(make_case: Any, engine: Any) -> str:
    """$10,000.00 at 9% entered 2023-01-01, $325.00 costs, $1,000.00 paid 2024-01-01 (DOMAIN.md vector)."""
    ref = make_case(debtor_name="Pat Q. Debtor", costs=Decimal("325.00"), index_number="54925/23")
    with rpc.transaction(engine) as conn:
        rpc.record_enforcement_payment(
            conn,
            case_ref=ref,
            amount=Decimal("1000.00"),
            kind="direct",
            idempotency_key=f"{ref}-p1",
            actor="cli:test",
            received_on=date(2024, 1, 1),
        )
    addresses(engine, ref, "debtor", "garnishee", "employer", "officer")
    return str(ref)


def drafted(services: Services, ref: str, paper: str, recipient: str | None = None) -> str:
    with Session(services.engine) as session:
        d = draft(session=session, settings=services.settings, case_ref=ref, paper_name=paper, recipient=recipient)
    return docx_text(d.content)


@pytest.mark.parametrize("paper", list(PAPERS))
def test_each_paper_fills_from_the_case(services: Services, paid_case: str, paper: str) -> None:
    t = today(services)
    # Independent of the views: 9% simple interest on $9,900.00 since the payment (DOMAIN.md).
    interest = (Decimal("9900.00") * Decimal("0.09") * (t - date(2024, 1, 1)).days / 365).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    balance = Decimal("9900.00") + Decimal("325.00") + interest
    body = drafted(services, paid_case, paper)
    assert "SAMPLE TEMPLATE" in body  # the bundled samples say what they are
    assert "54925/23" in body and "Pat Q. Debtor" in body and "Acme Funding LLC" in body
    assert "CIVIL COURT OF THE CITY OF NEW YORK" in body.upper() and "KINGS" in body.upper()
    assert "January 1, 2023" in body
    assert f"${interest:,.2f}" in body and f"${balance:,.2f}" in body
    assert "$9,900.00" in body and "$325.00" in body
    assert "9% a year" in body and "CPLR 5004(a)" in body
    assert long(t) in body
    assert "{{" not in body and "{%" not in body


def test_paper_specific_fields(services: Services, paid_case: str) -> None:
    body = drafted(services, paid_case, "subpoena")
    assert "First Example Bank" in body and "270 Park Ave" in body
    t = today(services)
    interest = (Decimal("9900.00") * Decimal("0.09") * (t - date(2024, 1, 1)).days / 365).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    assert f"${(Decimal('10225.00') + interest) * 2:,.2f}" in body  # CPLR 5222(b): twice the amount due
    body = drafted(services, paid_case, "income-execution")
    assert "Widget Works & Sons LLC" in body  # escaped for Word's XML, shown as typed
    assert "10% of gross wages" in body and "Marshal Robin Roe" in body
    body = drafted(services, paid_case, "exemption")
    assert "$4,080.00" in body or "$3,960.00" in body  # the exempt amount in force (policy table)
    body = drafted(services, paid_case, "transmittal")
    assert "Marshal Robin Roe\n1 Centre St\nNew York, NY 10007" in body
    assert "$2.44 a day" in body  # $9,900.00 x 9% / 365
    body = drafted(services, paid_case, "payoff", "Counsel for the debtor")
    assert "January 1, 2024: $1,000.00 (direct)" in body and "Attention: Counsel for the debtor" in body


def test_consumer_rate_and_basis_are_stated(services: Services, make_case: Any, engine: Any) -> None:
    ref = make_case(consumer_debt=True, entered_on=date(2023, 1, 1))
    addresses(engine, ref, "debtor")
    body = drafted(services, ref, "payoff")
    t = today(services)
    interest = (Decimal("10000.00") * Decimal("0.02") * (t - date(2023, 1, 1)).days / 365).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
    assert "2% a year" in body and "consumer debt, natural person" in body
    assert f"${interest:,.2f}" in body


def count_rows(engine: Any) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*) FROM v_enforcement_timeline")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM v_enforcement_documents")).scalar_one(),
        )


def test_refusals_name_every_missing_fact(services: Services, make_case: Any, engine: Any) -> None:
    ref = make_case()
    before = count_rows(engine)
    with pytest.raises(PaperRefused) as e:
        drafted(services, ref, "income-execution")
    msg = str(e.value)
    assert "the debtor's address" in msg and "the employer's name and address" in msg
    assert "the marshal or sheriff" in msg and f"/enforce address {ref} employer" in msg
    with pytest.raises(PaperRefused, match="debtor's address"):
        drafted(services, ref, "payoff")
    addresses(engine, ref, "debtor")
    with pytest.raises(PaperRefused, match="garnishee's name and address"):
        drafted(services, ref, "subpoena")
    with pytest.raises(PaperRefused, match='address of the garnishee "Chase Bank"'):
        drafted(services, ref, "subpoena", "Chase Bank")
    with pytest.raises(PaperRefused, match='address of the officer "Marshal Lee"'):
        drafted(services, ref, "transmittal", "Marshal Lee")
    business = make_case(debtor_type="business", debtor_name="Debtor Corp")
    addresses(engine, business, "debtor", "garnishee")
    with pytest.raises(PaperRefused, match="natural person"):
        drafted(services, business, "exemption")
    with pytest.raises(errors.InvalidInput, match="is not a paper"):
        drafted(services, ref, "summons")
    # Nothing is recorded by a refusal: only the debtor addresses set above.
    assert count_rows(engine)[1] == before[1]


def test_two_garnishees_need_a_name(services: Services, paid_case: str, engine: Any) -> None:
    with rpc.transaction(engine) as conn:
        set_case_address(
            conn,
            case_ref=paid_case,
            role="garnishee",
            name="Second Bank",
            address="1 Wall St; New York, NY 10005",
            actor="cli:test",
        )
    with pytest.raises(PaperRefused, match="one garnishee .on file: First Example Bank, Second Bank"):
        drafted(services, paid_case, "subpoena")
    assert "1 Wall St" in drafted(services, paid_case, "subpoena", "second bank")


def test_draft_is_stored_through_the_gate_and_never_proof(services: Services, paid_case: str, engine: Any) -> None:
    d, recorded = file_draft(
        services, case_ref=paid_case, paper_name="property-execution", recipient=None, actor="U0OFFICER"
    )
    with engine.connect() as conn:
        doc = conn.execute(
            text("SELECT * FROM v_enforcement_documents WHERE document_id = :i"), {"i": recorded.document_id}
        ).one()
        event = conn.execute(
            text("SELECT kind, summary, document_id FROM v_enforcement_timeline WHERE case_ref = :r ORDER BY seq DESC"),
            {"r": paid_case},
        ).first()
    assert doc.kind == "draft" and doc.case_ref == paid_case
    with services.store.open(doc.storage_key) as f:
        assert hashlib.sha256(f.read()).hexdigest() == doc.sha256  # the bytes in storage are the draft
    assert doc.sha256 == hashlib.sha256(d.content).hexdigest() and doc.size_bytes == len(d.content)
    assert doc.original_name == d.filename and d.filename.startswith(f"{paid_case}-property-execution-draft-")
    assert event.kind == "document_attached" and event.document_id == recorded.document_id
    before = count_rows(engine)
    # The levy's first step needs the execution: the draft of it is refused as proof.
    with (
        pytest.raises(errors.DocumentRequired, match="is a draft Dragonfly made, not proof"),
        rpc.transaction(engine) as conn,
    ):
        rpc.queue_enforcement_action(
            conn, case_ref=paid_case, kind="levy", actor="U0OFFICER", document_id=recorded.document_id
        )
    with pytest.raises(errors.DocumentRequired, match="not proof"), rpc.transaction(engine) as conn:
        rpc.record_enforcement_payment(
            conn,
            case_ref=paid_case,
            amount=Decimal("5.00"),
            kind="direct",
            idempotency_key="draft-proof",
            actor="U0OFFICER",
            document_id=recorded.document_id,
        )
    assert count_rows(engine) == before


def test_addresses_are_case_facts(engine: Any, make_case: Any) -> None:
    ref = make_case(debtor_name="Sam Example")
    with rpc.transaction(engine) as conn:
        r = set_case_address(conn, case_ref=ref, role="debtor", address="1 A St;  Albany, NY 12207 ", actor="U1")
        again = set_case_address(conn, case_ref=ref, role="debtor", address="1 A St\nAlbany, NY 12207", actor="U1")
        moved = set_case_address(conn, case_ref=ref, role="debtor", address="9 B Ave; Troy, NY 12180", actor="U1")
    assert r["changed"] and r["name"] == "Sam Example" and r["address"] == "1 A St\nAlbany, NY 12207"
    assert not again["changed"] and moved["replaced"] == "1 A St\nAlbany, NY 12207"
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT role, address FROM v_case_addresses WHERE case_ref = :r"), {"r": ref}).all()
        summaries = (
            conn.execute(
                text(
                    "SELECT summary FROM v_enforcement_timeline"
                    " WHERE case_ref = :r AND kind = 'address_set' ORDER BY seq"
                ),
                {"r": ref},
            )
            .scalars()
            .all()
        )
    assert rows == [("debtor", "9 B Ave\nTroy, NY 12180")]
    assert summaries == [
        "Address (debtor) Sam Example: 1 A St, Albany, NY 12207",
        "Address (debtor) Sam Example: 9 B Ave, Troy, NY 12180",
    ]
    before = count_rows(engine)
    for role, name, address, match in (
        ("debtor", None, "1 A St; Albany", "no ZIP code"),
        ("employer", None, "5 Main St; Albany, NY 12207", "employer's name is required"),
        ("landlord", "X", "5 Main St; Albany, NY 12207", "address role"),
        ("garnishee", "Bank", " ; ", "address for the garnishee is required"),
    ):
        with pytest.raises(errors.DomainError, match=match), rpc.transaction(engine) as conn:
            set_case_address(conn, case_ref=ref, role=role, name=name, address=address, actor="U1")
    assert count_rows(engine) == before


def test_cli_address_draft_and_case_show(db_url: str, tmp_path: Any, make_case: Any, engine: Any) -> None:
    from typer.testing import CliRunner

    from dragonfly.cli import app

    env = {
        "DATABASE_URL": db_url,
        "STORAGE_URL": f"file://{tmp_path / 'docs'}",
        "DRAGONFLY_HOME": str(tmp_path / "home"),
        "DRAGONFLY_OPERATOR": "tester",
    }
    ref = make_case(index_number="777/24")

    def cli(*args: str) -> Any:
        return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)

    refused = cli("papers", "draft", ref, "payoff", "--out", str(tmp_path / "p.docx"))
    assert refused.exit_code == 1 and "debtor's address" in refused.output and not (tmp_path / "p.docx").exists()
    r = cli("papers", "address", ref, "debtor", "40 Elm St; Buffalo, NY 14201")
    assert r.exit_code == 0 and "recorded" in r.output
    r = cli("papers", "draft", ref, "payoff", "--out", str(tmp_path / "p.docx"), "--file")
    assert r.exit_code == 0 and "filed on" in r.output, r.output
    assert "Index No. 777/24" in docx_text((tmp_path / "p.docx").read_bytes())
    shown = cli("case", "show", ref)
    assert "Address (debtor)" in shown.output and "40 Elm St, Buffalo, NY 14201" in shown.output
    with engine.connect() as conn:
        who = conn.execute(
            text("SELECT uploaded_by FROM v_enforcement_documents WHERE case_ref = :r AND kind = 'draft'"), {"r": ref}
        ).scalar_one()
    assert who == "cli:tester"


def test_the_app_role_can_record_addresses_and_file_drafts(services: Services, paid_case: str, db_url: str) -> None:
    """Production connects as a member of dragonfly_app: views, sanctioned functions, nothing else."""
    from sqlalchemy import event

    from dragonfly import db

    app_engine = db.make_engine(db_url)

    @event.listens_for(app_engine, "connect")
    def as_app(dbapi_conn: Any, _: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET ROLE dragonfly_app")
        dbapi_conn.commit()

    app_services = Services(settings=services.settings, database_url=db_url, engine=app_engine)
    try:
        with rpc.transaction(app_engine) as conn:
            assert conn.execute(text("SELECT current_user")).scalar_one() == "dragonfly_app"
            set_case_address(
                conn,
                case_ref=paid_case,
                role="employer",
                name="New Employer Inc",
                address="2 Elm St; Utica, NY 13501",
                actor="U0OFFICER",
            )
        d, recorded = file_draft(
            app_services, case_ref=paid_case, paper_name="income-execution", recipient=None, actor="U0OFFICER"
        )
        assert "New Employer Inc, 2 Elm St, Utica, NY 13501" in docx_text(d.content)
        with app_engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.execute(text("SELECT * FROM case_addresses")).all()
    finally:
        app_engine.dispose()
