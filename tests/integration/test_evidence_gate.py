"""The evidence gate with both stores (a temp folder, and S3 through moto's server on loopback):
store first, then document + step in one transaction; faults leave nothing recorded, and an
object the database refused shows in `dragonfly doctor` until `dragonfly storage gc` removes it."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from dragonfly import db, errors, evidence, orphans, rpc
from dragonfly.bootstrap import Services
from dragonfly.cli import app
from dragonfly.settings import Settings
from storage import DocumentRejected, StorageUnavailable

pytest_plugins = ["tests.integration.s3_fixtures"]


def aws_env(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    from tests.integration.s3_fixtures import DUMMY_ENV

    for name, value in DUMMY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)


TABLES = ("enforcement_documents", "enforcement_events", "enforcement_actions")


def pdf(tag: str) -> bytes:
    return b"%PDF-1.7\n% " + tag.encode() + b"\n" + b"x" * 2048 + b"\n%%EOF\n"


@dataclass
class Gate:
    services: Services
    env: dict[str, str]

    @property
    def store(self) -> Any:
        return self.services.store

    def keys(self) -> list[str]:
        return [o.key for o in self.store.list_keys("cases/")]

    def counts(self) -> dict[str, int]:
        with self.services.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(app, list(args), env=self.env, catch_exceptions=False)


@pytest.fixture(params=["local", "s3"])
def gate(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gate]:
    if request.param == "local":
        url = f"file://{tmp_path / 'documents'}"
    else:
        endpoint = request.getfixturevalue("moto_server")
        bucket = request.getfixturevalue("s3_bucket")
        aws_env(monkeypatch, endpoint)
        url = f"s3://{bucket}/docs"
    settings = Settings(
        database_url=db_url, dragonfly_home=tmp_path / "home", storage_url=url, dragonfly_admins=""
    )
    services = Services(settings=settings, database_url=db_url, engine=db.make_engine(db_url))
    env = {
        "DATABASE_URL": db_url,
        "STORAGE_URL": url,
        "DRAGONFLY_HOME": str(tmp_path / "home"),
        "DRAGONFLY_ORPHAN_GRACE": "0s",
        "DRAGONFLY_ADMINS": "",
    }
    yield Gate(services, env)
    services.close()


def queue_levy(conn: Any, document_id: int, case_ref: str) -> dict[str, Any]:
    return dict(
        rpc.queue_enforcement_action(
            conn, case_ref=case_ref, kind="levy", document_id=document_id, actor="U0ALICE"
        )
    )


def record(
    gate: Gate,
    ref: str,
    data: bytes,
    *,
    kind: str = "execution",
    filename: str = "execution.pdf",
    step: Any = None,
) -> evidence.Recorded:
    return evidence.record_with_document(
        gate.services,
        case_ref=ref,
        kind=kind,
        stream=io.BytesIO(data),
        filename=filename,
        uploader="U0ALICE",
        step=step,
    )


def test_happy_path_links_the_step_to_its_document(gate: Gate, make_case: Any) -> None:
    ref = make_case()
    rec = record(gate, ref, pdf("happy"), step=lambda conn, doc: queue_levy(conn, doc, ref))
    assert rec.document_created and rec.step is not None
    with gate.services.engine.connect() as conn:
        d = conn.execute(
            text("SELECT storage_key, sha256, size_bytes FROM enforcement_documents WHERE id = :i"),
            {"i": rec.document_id},
        ).one()
        kinds = conn.execute(
            text(
                "SELECT e.kind::text, e.document_id FROM enforcement_events e"
                " JOIN enforcement_cases c ON c.id = e.case_id WHERE c.case_ref = :r ORDER BY e.seq"
            ),
            {"r": ref},
        ).all()
    assert (
        d.storage_key == rec.storage_key
        and d.sha256 == rec.sha256
        and d.size_bytes == len(pdf("happy"))
    )
    assert gate.store.head(rec.storage_key).size == d.size_bytes
    step_events = [k for k in kinds if k[0] not in ("case_created", "document_attached")]
    assert step_events and all(doc_id == rec.document_id for _, doc_id in step_events)
    assert gate.keys() == [rec.storage_key]
    result = gate.cli("doctor")
    assert "ok   stored documents match their rows" in result.output, result.output


def test_same_bytes_twice_is_one_row_and_one_object(gate: Gate, make_case: Any) -> None:
    ref = make_case()
    first = record(gate, ref, pdf("dup"), filename="a.pdf")
    again = record(gate, ref, pdf("dup"), filename="copy of a.pdf")
    assert (again.document_id, again.storage_key, again.document_created) == (
        first.document_id,
        first.storage_key,
        False,
    )
    assert gate.counts()["enforcement_documents"] == 1
    assert gate.keys() == [first.storage_key]


def test_store_down_records_nothing(
    gate: Gate, make_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = make_case()
    before = gate.counts()

    def down(*args: Any, **kwargs: Any) -> Any:
        raise StorageUnavailable(detail="HTTP 500 from the endpoint")

    monkeypatch.setattr(gate.store, "put", down)
    step_ran = []
    with pytest.raises(StorageUnavailable) as info:
        record(gate, ref, pdf("down"), step=lambda conn, doc: step_ran.append(doc) or {})
    assert info.value.retryable and "try again" in info.value.message
    assert gate.counts() == before and not step_ran and gate.keys() == []


def test_s3_endpoint_closed_port_records_nothing(
    db_url: str, tmp_path: Path, make_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    aws_env(monkeypatch, f"http://127.0.0.1:{port}")
    settings = Settings(
        database_url=db_url,
        dragonfly_home=tmp_path,
        storage_url="s3://nowhere/docs",
        dragonfly_admins="",
    )
    services = Services(settings=settings, database_url=db_url, engine=db.make_engine(db_url))
    try:
        gate = Gate(services, {})
        ref = make_case()
        before = gate.counts()
        with pytest.raises(StorageUnavailable):
            record(gate, ref, pdf("closed"), step=lambda conn, doc: queue_levy(conn, doc, ref))
        assert gate.counts() == before
    finally:
        services.close()


@pytest.mark.parametrize("refusal", ["wrong_kind", "unknown_case"])
def test_database_refusal_leaves_an_orphan_that_doctor_reports_and_gc_removes(
    gate: Gate, make_case: Any, refusal: str
) -> None:
    ref = make_case()
    before = gate.counts()
    if refusal == "wrong_kind":  # a levy needs an execution, not "other": DocumentRequired
        with pytest.raises(errors.DocumentRequired):
            record(
                gate,
                ref,
                pdf("refused"),
                kind="other",
                step=lambda conn, doc: queue_levy(conn, doc, ref),
            )
    else:
        with pytest.raises(errors.DomainError):
            record(gate, "DF-999999", pdf("refused"))  # no such case: the attach itself is refused
    assert gate.counts() == before
    [orphan] = gate.keys()

    result = gate.cli("doctor")
    assert result.exit_code == 1, result.output
    assert "FAIL stored documents match their rows" in result.output
    assert f"{orphan}: stored object has no document row" in result.output

    dry = gate.cli("storage", "gc", "--older-than", "0s")
    assert dry.exit_code == 0 and f"would delete {orphan}" in dry.output and "--apply" in dry.output
    assert gate.keys() == [orphan]
    kept = gate.cli("storage", "gc", "--older-than", "1d", "--apply")
    assert kept.exit_code == 0 and gate.keys() == [orphan]  # too young for a 1-day cutoff
    done = gate.cli("storage", "gc", "--older-than", "0s", "--apply")
    assert done.exit_code == 0 and f"deleted {orphan}" in done.output, done.output
    assert gate.keys() == []
    after = gate.cli("doctor")
    assert "ok   stored documents match their rows" in after.output, after.output


def test_gc_keeps_referenced_objects(gate: Gate, make_case: Any) -> None:
    ref = make_case()
    rec = record(gate, ref, pdf("kept"))
    result = orphans.gc(gate.services, orphans.parse_duration("0s"), apply=True)
    assert result.candidates == [] and gate.keys() == [rec.storage_key]


@pytest.mark.parametrize(
    ("data", "filename", "reason", "words"),
    [
        (b"%PDF-1.7\n" + b"x" * 5000, "big.pdf", "too_large", "limit"),
        (
            b"PK\x03\x04not a docx at all" + b"x" * 100,
            "evil.exe",
            "unsupported_type",
            "not accepted",
        ),
        (b"MZ\x90\x00" + b"x" * 100, "report.pdf", "unsupported_type", "not accepted"),
        (
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
            "execution.pdf",
            "html",
            "authorization page",
        ),
        (b"", "empty.pdf", "empty", "empty"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_recorded(
    gate: Gate, make_case: Any, data: bytes, filename: str, reason: str, words: str
) -> None:
    gate.store.max_bytes = 4096
    ref = make_case()
    before = gate.counts()
    with pytest.raises(DocumentRejected) as info:
        record(
            gate, ref, data, filename=filename, step=lambda conn, doc: queue_levy(conn, doc, ref)
        )
    assert info.value.reason == reason and words in info.value.message
    assert gate.counts() == before and gate.keys() == []


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "a\x00b.pdf", "evil\nname.pdf", "..\\..\\boot.ini", "/etc/passwd"]
)
def test_hostile_names_never_become_paths(
    gate: Gate, make_case: Any, tmp_path: Path, name: str
) -> None:
    ref = make_case()
    rec = record(gate, ref, pdf(repr(name)), filename=name)
    last = rec.storage_key.rsplit("/", 1)[-1]
    assert rec.storage_key.startswith(f"cases/{ref}/")
    assert (
        ".." not in rec.storage_key
        and "\x00" not in rec.storage_key
        and "\n" not in rec.storage_key
    )
    assert "/" not in last and "\\" not in last
    assert gate.keys() == [rec.storage_key] and not (tmp_path / "etc").exists()
    with gate.services.engine.connect() as conn:
        original = conn.execute(
            text("SELECT original_name FROM enforcement_documents WHERE id = :i"),
            {"i": rec.document_id},
        ).scalar_one()
    assert "\x00" not in original and "\n" not in original


def test_missing_or_resized_object_is_reported_by_doctor(gate: Gate, make_case: Any) -> None:
    ref = make_case()
    gone = record(gate, ref, pdf("gone"), kind="execution")
    resized = record(gate, ref, pdf("resized"), kind="other")
    gate.store.delete(gone.storage_key)
    with gate.services.engine.begin() as conn:  # simulate a row that disagrees with its object
        conn.execute(text("ALTER TABLE enforcement_documents DISABLE TRIGGER USER"))
        conn.execute(
            text("UPDATE enforcement_documents SET size_bytes = size_bytes + 1 WHERE id = :i"),
            {"i": resized.document_id},
        )
    result = gate.cli("doctor")
    assert result.exit_code == 1, result.output
    assert (
        f"document {gone.document_id} ({gone.storage_key}) is missing from the store"
        in result.output
    )
    assert f"document {resized.document_id} ({resized.storage_key}) size differs" in result.output
    report = orphans.find_orphans(gate.services, older_than=orphans.parse_duration("0s"))
    assert {b.document_id for b in report.broken} == {gone.document_id, resized.document_id}


def test_sha256_mismatch_is_reported(gate: Gate, make_case: Any) -> None:
    ref = make_case()
    rec = record(gate, ref, pdf("sha"))
    with gate.services.engine.begin() as conn:
        conn.execute(
            text("UPDATE enforcement_documents SET sha256 = :s WHERE id = :i"),
            {"s": "0" * 64, "i": rec.document_id},
        )
    report = orphans.find_orphans(gate.services)
    assert [b.problem.split(":")[0] for b in report.broken] == ["sha256 differs"]


def test_storage_init_prints_its_report(gate: Gate) -> None:
    result = gate.cli("storage", "init")
    assert result.exit_code == 0, result.output
    assert "write, read and delete checked" in result.output


@pytest.mark.parametrize(
    ("text_", "seconds"),
    [("30m", 1800), ("12h", 43200), ("1d", 86400), ("7d", 604800), ("0s", 0), ("1d12h", 129600)],
)
def test_durations(text_: str, seconds: int) -> None:
    assert orphans.parse_duration(text_).total_seconds() == seconds


@pytest.mark.parametrize("bad", ["", "1", "d", "1y", "-1d", "1.5h"])
def test_bad_durations(bad: str) -> None:
    with pytest.raises(ValueError):
        orphans.parse_duration(bad)


def test_gc_rejects_a_bad_duration(gate: Gate) -> None:
    result = gate.cli("storage", "gc", "--older-than", "soon")
    assert result.exit_code == 2 and "invalid duration" in (
        result.output + str(result.stderr_bytes or "")
    )
