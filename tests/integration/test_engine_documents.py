"""attach_enforcement_document: recorded once per (case, kind, sha256), and its refusals."""

from __future__ import annotations

import hashlib

import pytest

from dragonfly import errors, rpc
from tests.integration.test_engine_support import (
    event_kinds,
    last_event,
    new_case,
    refused,
    row,
    rows,
    run,
    scalar,
    snapshot,
)

SHA = hashlib.sha256(b"%PDF-1.7 the execution").hexdigest()


def attach(engine, ref: str, **kw) -> dict:
    args = dict(
        case_ref=ref,
        kind="execution",
        storage_key=f"cases/{ref}/{SHA}",
        sha256=SHA,
        size_bytes=2048,
        content_type="application/pdf",
        original_name="Execution (signed).pdf",
        uploader="U0ALICE",
    )
    args.update(kw)
    return run(engine, rpc.attach_enforcement_document, **args)


def test_attach_document(engine) -> None:
    ref = new_case(engine)
    result = attach(engine, ref)
    assert result["created"] is True and result["storage_key"] == f"cases/{ref}/{SHA}"
    d = row(engine, "SELECT * FROM enforcement_documents WHERE id = :i", i=result["document_id"])
    assert (d.kind, d.sha256, d.size_bytes, d.original_name, d.uploaded_by) == (
        "execution",
        SHA,
        2048,
        "Execution (signed).pdf",
        "U0ALICE",
    )
    ev = last_event(engine, ref)
    assert ev.kind == "document_attached" and ev.document_id == d.id and ev.actor == "U0ALICE"
    assert ev.payload["sha256"] == SHA
    tl = rows(
        engine,
        "SELECT document_key FROM v_enforcement_timeline WHERE case_ref = :r"
        " AND kind = 'document_attached'",
        r=ref,
    )
    assert [t.document_key for t in tl] == [d.storage_key]


def test_same_bytes_same_kind_same_case_is_one_document(engine) -> None:
    ref = new_case(engine)
    first = attach(engine, ref)
    before = snapshot(engine)
    again = attach(engine, ref, storage_key="cases/other-key", original_name="copy.pdf")
    assert again == {
        "case_ref": ref,
        "document_id": first["document_id"],
        "storage_key": first["storage_key"],
        "created": False,
    }
    assert snapshot(engine) == before
    assert event_kinds(engine, ref).count("document_attached") == 1


def test_same_bytes_other_kind_or_case_are_new_documents(engine) -> None:
    ref = new_case(engine)
    other = new_case(engine)
    attach(engine, ref)
    assert attach(engine, ref, kind="other", storage_key="k2")["created"] is True
    assert attach(engine, other, storage_key="k3")["created"] is True
    assert scalar(engine, "SELECT count(*) FROM enforcement_documents") == 3


def test_missing_original_name_gets_a_default(engine) -> None:
    ref = new_case(engine)
    result = attach(engine, ref, original_name="  ")
    assert (
        scalar(
            engine,
            "SELECT original_name FROM enforcement_documents WHERE id = :i",
            i=result["document_id"],
        )
        == "document"
    )


@pytest.mark.parametrize(
    ("override", "exc", "match"),
    [
        ({"kind": "selfie"}, errors.InvalidInput, "document kind"),
        ({"sha256": "ABC"}, errors.InvalidInput, "sha256"),
        ({"sha256": SHA.upper()}, errors.InvalidInput, "sha256"),
        ({"size_bytes": 0}, errors.InvalidInput, "size"),
        ({"size_bytes": -1}, errors.InvalidInput, "size"),
        ({"storage_key": " "}, errors.InvalidInput, "storage key"),
        ({"case_ref": "DF-8888"}, errors.UnknownCase, "no case"),
    ],
)
def test_attach_refusals(engine, override, exc, match) -> None:
    ref = new_case(engine)
    with refused(engine, exc, match=match):
        attach(engine, ref, **override)
