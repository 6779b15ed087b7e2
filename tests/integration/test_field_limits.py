"""One limit per text field, held by the database (issue 10, item 7): each field at its limit is
recorded, one character more is refused with a sentence naming the field, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, text

from dragonfly import rpc
from dragonfly.errors import InvalidInput


def _doc(conn: Connection, ref: str, kind: str, name: str = "f.pdf") -> int:
    return int(
        rpc.attach_enforcement_document(
            conn,
            case_ref=ref,
            kind=kind,
            storage_key=f"cases/{ref}/{kind}/{len(name)}",
            sha256=f"{len(name):064x}",
            size_bytes=10,
            content_type="application/pdf",
            original_name=name,
            uploader="U0OFFICER",
        )["document_id"]
    )


def _marshal(conn: Connection, ref: str) -> int:
    doc = _doc(conn, ref, "transmittal")
    a = rpc.queue_enforcement_action(conn, case_ref=ref, kind="marshal", actor="U0OFFICER", document_id=doc)
    rpc.advance_enforcement_action(
        conn, case_ref=ref, action_id=a["action_id"], state="docketed", actor="U0OFFICER", officer_docket="M-1"
    )
    return int(a["action_id"])


def _blocked(conn: Connection, ref: str) -> None:
    rpc.log_enforcement_blocker(
        conn, case_ref=ref, kind="court", reason="clerk", eta=date.today() + timedelta(days=3), actor="U0OFFICER"
    )


SOON = datetime.now(UTC) + timedelta(days=10)
# (field, limit, the label in the refusal, setup, the call with the value)
Setup = Callable[[Connection, str], Any]
CASES: list[tuple[str, int, str, Setup | None, Callable[[Connection, str, str, Any], Any]]] = [
    ("text", 3000, "note", None, lambda c, r, v, _: rpc.add_case_note(c, case_ref=r, text=v, actor="U0OFFICER")),
    (
        "note",
        1000,
        "step note",
        None,
        lambda c, r, v, _: rpc.set_enforcement_stage(c, case_ref=r, stage="discovery", note=v, actor="U0OFFICER"),
    ),
    (
        "note",
        1000,
        "step note",
        _blocked,
        lambda c, r, v, _: rpc.clear_enforcement_blocker(c, case_ref=r, note=v, actor="U0OFFICER"),
    ),
    (
        "note",
        1000,
        "step note",
        None,
        lambda c, r, v, _: rpc.queue_enforcement_action(c, case_ref=r, kind="asset_search", note=v, actor="U0OFFICER"),
    ),
    (
        "reason",
        500,
        "reason",
        None,
        lambda c, r, v, _: rpc.log_enforcement_blocker(
            c, case_ref=r, kind="court", reason=v, eta=date.today() + timedelta(days=3), actor="U0OFFICER"
        ),
    ),
    (
        "reason",
        500,
        "reason",
        None,
        lambda c, r, v, _: rpc.set_tier_override(c, case_ref=r, tier=3, reason=v, expires_at=SOON, actor="U0ADMIN"),
    ),
    (
        "reason",
        500,
        "reason",
        None,
        lambda c, r, v, _: rpc.set_case_flag(
            c, case_ref=r, flag="bankruptcy_stay", value=True, reason=v, actor="U0OFFICER"
        ),
    ),
    (
        "what",
        300,
        "next action",
        None,
        lambda c, r, v, _: rpc.set_next_action(c, case_ref=r, at=SOON, what=v, actor="U0OFFICER"),
    ),
    (
        "recipient",
        200,
        "recipient",
        None,
        lambda c, r, v, _: rpc.queue_enforcement_action(
            c, case_ref=r, kind="asset_search", recipient=v, actor="U0OFFICER"
        ),
    ),
    (
        "recipient",
        200,
        "recipient",
        lambda c, r: _doc(c, r, "subpoena"),
        lambda c, r, v, doc: rpc.issue_subpoena(c, case_ref=r, recipient=v, document_id=doc, actor="U0OFFICER"),
    ),
    (
        "officer_docket",
        64,
        "docket number",
        lambda c, r: _marshal(c, r),
        lambda c, r, v, a: rpc.advance_enforcement_action(
            c, case_ref=r, action_id=a, state="active", officer_docket=v, actor="U0OFFICER"
        ),
    ),
    ("name", 255, "file name", None, lambda c, r, v, _: _doc(c, r, "other", v)),
    (
        "description",
        500,
        "description",
        None,
        lambda c, r, v, _: rpc.record_asset(c, case_ref=r, kind="bank_account", description=v, actor="U0OFFICER"),
    ),
]


def _events(engine, ref: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as c:
        return int(
            c.execute(text("SELECT count(*) FROM v_enforcement_timeline WHERE case_ref = :r"), {"r": ref}).scalar_one()
        )


@pytest.mark.parametrize(
    ("field", "limit", "label", "setup", "act"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_field_takes_its_limit_and_refuses_one_more(engine, make_case, field, limit, label, setup, act):
    with engine.connect() as c:
        assert (
            c.execute(text("SELECT max_chars FROM v_field_limits WHERE field = :f"), {"f": field}).scalar_one() == limit
        )
    too_long, refused_ref = make_case(), None
    with rpc.transaction(engine) as conn:
        arg = setup(conn, too_long) if setup else None
    before = _events(engine, too_long)
    with pytest.raises(InvalidInput) as info, rpc.transaction(engine) as conn:
        refused_ref = too_long
        act(conn, too_long, "x" * (limit + 1), arg)
    assert info.value.message == f"A {label} can be at most {limit} characters (this one has {limit + 1})"
    assert info.value.hint == "Shorten it, or attach the long text as a document."
    assert _events(engine, refused_ref) == before
    at_limit = make_case()
    with rpc.transaction(engine) as conn:
        arg = setup(conn, at_limit) if setup else None
        act(conn, at_limit, "y" * limit, arg)


def test_a_queued_step_with_a_long_file_name_is_refused_before_the_download(engine, make_case):
    ref = make_case()
    with pytest.raises(InvalidInput, match="A file name can be at most 255 characters"), rpc.transaction(engine) as c:
        rpc.create_ingestion_job(
            c,
            dedupe_key="F1:x",
            case_ref=ref,
            document_kind="execution",
            slack_file_id="F1",
            uploader="U0OFFICER",
            intent={"op": "queue", "kind": "levy"},
            file_name="a" * 5000,
        )
    with pytest.raises(InvalidInput, match="A recipient can be at most 200"), rpc.transaction(engine) as c:
        rpc.create_ingestion_job(
            c,
            dedupe_key="F2:x",
            case_ref=ref,
            document_kind="execution",
            slack_file_id="F2",
            uploader="U0OFFICER",
            intent={"op": "queue", "kind": "levy", "recipient": "b" * 201},
            file_name="levy.pdf",
        )
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM ingestion_jobs")).scalar_one() == 0


def test_an_enum_refusal_quotes_at_most_80_characters(engine, make_case):
    ref = make_case()
    with pytest.raises(InvalidInput) as info, rpc.transaction(engine) as conn:
        rpc.set_enforcement_stage(conn, case_ref=ref, stage="z" * 100_000, actor="U0OFFICER")
    assert info.value.message == f'"{"z" * 80}" is not a stage'


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("bad\x00byte", "contains a NUL character"),
        ("lone \ud800 half", "contains a character that is not valid Unicode"),
    ],
)
def test_nul_and_lone_surrogates_are_refused_in_words(engine, make_case, value, words):
    ref = make_case()
    with pytest.raises(InvalidInput, match=f"The text {words}"), rpc.transaction(engine) as conn:
        rpc.add_case_note(conn, case_ref=ref, text=value, actor="U0OFFICER")
    assert _events(engine, ref) == 1
