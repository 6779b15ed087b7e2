"""One contract, two stores: LocalStore on a temp folder, S3Store on moto's server over HTTP."""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from storage import (
    HTML_MESSAGE,
    DocumentNotFound,
    DocumentRejected,
    DocumentStore,
    LocalStore,
    S3Store,
    SourceUnavailable,
    StoredDocument,
    safe_filename,
    sniff,
    store_from_url,
)
from storage.keys import check_key, make_key

pytest_plugins = ["tests.integration.s3_fixtures"]

MB = 1024 * 1024
KEY_RE = r"cases/{case}/[0-9A-HJKMNP-TV-Z]{{26}}-[A-Za-z0-9._-]{{1,100}}"


# --- sample documents ------------------------------------------------------------------------


def pdf_bytes(extra: int = 0) -> bytes:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
    )
    return body + b"%" + os.urandom(extra) + b"\n%%EOF\n" if extra else body + b"%%EOF\n"


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00\x80")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


JPEG_1x1 = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a18161618"
    "3123251d283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffc000"
    "0b080001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400"
    "b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c1"
    "1552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a63"
    "6465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6"
    "b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008"
    "010100003f002bffd9"
)


def tiff_bytes(big_endian: bool = False) -> bytes:
    """A 1x1 8-bit grey baseline TIFF."""
    e = ">" if big_endian else "<"
    head = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    tags = [
        (256, 3, 1, 1),  # width
        (257, 3, 1, 1),  # height
        (258, 3, 1, 8),  # bits per sample
        (259, 3, 1, 1),  # no compression
        (262, 3, 1, 1),  # black is zero
        (273, 4, 1, 8 + 2 + 12 * 8 + 4),  # strip offset: right after the IFD
        (278, 3, 1, 1),  # rows per strip
        (279, 4, 1, 1),  # strip byte count
    ]
    ifd = struct.pack(e + "H", len(tags))
    for tag, typ, count, value in tags:
        packed = struct.pack(e + "H", value) + b"\0\0" if typ == 3 else struct.pack(e + "I", value)
        ifd += struct.pack(e + "HHI", tag, typ, count) + packed
    return head + ifd + struct.pack(e + "I", 0) + b"\x80"


def docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document><w:body><w:p/></w:body></w:document>")
    return buf.getvalue()


def docx_content_types_only() -> bytes:
    """A DOCX whose first members are big media: only [Content_Types].xml identifies it early."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            "<Types><Override PartName='/word/document.xml' ContentType='application/vnd."
            "openxmlformats-officedocument.wordprocessingml.document.main+xml'/></Types>",
        )
        z.writestr("media/image1.bin", os.urandom(400 * 1024), zipfile.ZIP_STORED)
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def xlsx_like_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


ACCEPTED = [
    ("pdf", pdf_bytes(), "application/pdf"),
    ("png", png_bytes(), "image/png"),
    ("jpeg", JPEG_1x1, "image/jpeg"),
    ("tiff-le", tiff_bytes(False), "image/tiff"),
    ("tiff-be", tiff_bytes(True), "image/tiff"),
    (
        "docx",
        docx_bytes(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "docx-media-first",
        docx_content_types_only(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
]


class Trickle:
    """A stream that returns short reads, like a socket."""

    def __init__(self, data: bytes, step: int = 65536) -> None:
        self._buf = io.BytesIO(data)
        self._step = step

    def read(self, n: int = -1) -> bytes:
        return self._buf.read(self._step if n < 0 else min(n, self._step))


# --- the two stores ----------------------------------------------------------------------------


@dataclass
class Harness:
    kind: str
    make: Callable[..., DocumentStore]
    leftovers: Callable[[], list[str]]

    def store(self, **kw: Any) -> DocumentStore:
        return self.make(**kw)


@pytest.fixture(params=["local", "s3"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "local":
        root = tmp_path / "documents"

        def make_local(**kw: Any) -> DocumentStore:
            return LocalStore(root, **kw)

        def local_leftovers() -> list[str]:
            if not root.exists():
                return []
            return sorted(
                str(Path(d, f).relative_to(root)) for d, _, files in os.walk(root) for f in files
            )

        yield Harness("local", make_local, local_leftovers)
    else:
        bucket = request.getfixturevalue("s3_bucket")
        client = request.getfixturevalue("s3_client")

        def make_s3(**kw: Any) -> DocumentStore:
            return S3Store(bucket, "docs", client=client, **kw)

        def s3_leftovers() -> list[str]:
            objects = [
                o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []) or []
            ]
            uploads = [
                f"upload:{u['Key']}"
                for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) or []
            ]
            return sorted(objects + uploads)

        yield Harness("s3", make_s3, s3_leftovers)


def put(store: DocumentStore, data: Any, name: str = "report.pdf", case: str = "DF-7") -> Any:
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    return store.put(stream, case_ref=case, kind="execution", filename=name, uploader="U123")


# --- round trips -------------------------------------------------------------------------------


def test_round_trip(harness: Harness) -> None:
    store = harness.store()
    assert isinstance(store, DocumentStore)
    data = pdf_bytes(5000)
    doc = put(store, data)
    assert isinstance(doc, StoredDocument)
    assert re.fullmatch(KEY_RE.format(case="DF-7"), doc.key)
    assert doc.key.endswith("-report.pdf")
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data)
    assert doc.content_type == "application/pdf"
    assert doc.original_name == "report.pdf"
    assert store.head(doc.key) == doc
    with store.open(doc.key) as f:
        assert f.read() == data
    listed = list(store.list_keys())
    assert [(i.key, i.size) for i in listed] == [(doc.key, len(data))]
    assert isinstance(listed[0].last_modified, datetime)
    assert listed[0].last_modified.tzinfo is not None


def test_each_put_gets_its_own_key(harness: Harness) -> None:
    store = harness.store()
    a = put(store, pdf_bytes())
    b = put(store, pdf_bytes())
    assert a.key != b.key
    assert a.sha256 == b.sha256  # dedup by sha256 is the caller's job
    assert len(list(store.list_keys())) == 2


@pytest.mark.parametrize(("label", "data", "content_type"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_types(harness: Harness, label: str, data: bytes, content_type: str) -> None:
    store = harness.store()
    doc = put(store, data, name="scan.bin")  # the name does not decide the type
    assert doc.content_type == content_type
    assert store.head(doc.key).content_type == content_type
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


def test_large_streamed_multipart_upload(harness: Harness) -> None:
    store = harness.store()
    data = pdf_bytes(20 * MB)
    doc = put(store, Trickle(data), name="big scan.pdf")
    assert doc.size == len(data)
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.key.endswith("-big_scan.pdf")
    head = store.head(doc.key)
    assert (head.sha256, head.size, head.content_type) == (doc.sha256, len(data), "application/pdf")
    digest = hashlib.sha256()
    with store.open(doc.key) as f:
        while chunk := f.read(MB):
            digest.update(chunk)
    assert digest.hexdigest() == doc.sha256
    head_dir, name = doc.key.rsplit("/", 1)
    sidecar = f"{head_dir}/.{name}.meta.json"
    prefix = "docs/" if harness.kind == "s3" else ""
    assert harness.leftovers() == sorted([prefix + doc.key, prefix + sidecar])
    assert [i.key for i in store.list_keys()] == [doc.key]  # the sidecar is not a document
    store.delete(doc.key)
    assert harness.leftovers() == []


def test_unicode_original_name_is_kept_for_display(harness: Harness) -> None:
    store = harness.store()
    name = "Résumé – façade №5.pdf"
    doc = put(store, pdf_bytes(), name=name)
    assert doc.original_name == name
    assert store.head(doc.key).original_name == name
    assert doc.key.endswith("-Resume_facade_No5.pdf")


def test_bytes_are_accepted_as_a_stream(harness: Harness) -> None:
    store = harness.store()
    doc = store.put(png_bytes(), case_ref="DF-1", kind="other", filename="a.png", uploader="U1")
    assert doc.content_type == "image/png"


# --- refusals ----------------------------------------------------------------------------------


REFUSED = [
    ("empty", b"", "empty", "empty"),
    ("html-doctype", b"<!DOCTYPE html><html><body>Sign in</body></html>", "html", HTML_MESSAGE),
    ("html-bom-space", b"\xef\xbb\xbf\n  <HTML><head><title>Slack</title>", "html", HTML_MESSAGE),
    ("html-div", b"<div>x</div><html lang=en>", "html", HTML_MESSAGE),
    ("text", b"just some plain text, not a document\n", "unsupported_type", "plain text"),
    ("exe", b"MZ\x90\x00\x03" + b"\x00" * 200, "unsupported_type", "executable"),
    ("zip-not-docx", xlsx_like_bytes(), "unsupported_type", "ZIP archive"),
    ("gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "unsupported_type", "not accepted"),
]


@pytest.mark.parametrize(("label", "data", "reason", "text"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refusals_name_the_problem_and_keep_nothing(
    harness: Harness, label: str, data: bytes, reason: str, text: str
) -> None:
    store = harness.store()
    with pytest.raises(DocumentRejected) as info:
        put(store, data, name="report.pdf")
    assert info.value.reason == reason
    assert text in str(info.value)
    if reason == "html":
        assert str(info.value) == HTML_MESSAGE
    if reason == "unsupported_type":
        assert "PDF, PNG, JPEG, TIFF or DOCX" in str(info.value)
    assert harness.leftovers() == []
    assert list(store.list_keys()) == []


@pytest.mark.parametrize("size", [1001, 200_000, 24 * MB], ids=["small", "medium", "multipart"])
def test_over_the_limit_is_refused_while_streaming(harness: Harness, size: int) -> None:
    limit = 1000 if size < 24 * MB else 20 * MB
    store = harness.store(max_bytes=limit)
    data = pdf_bytes(size)
    with pytest.raises(DocumentRejected) as info:
        put(store, Trickle(data))
    assert info.value.reason == "too_large"
    assert "larger than the" in str(info.value)
    assert "limit" in str(info.value)
    assert harness.leftovers() == []


def test_exactly_at_the_limit_is_accepted(harness: Harness) -> None:
    data = pdf_bytes(3000)
    store = harness.store(max_bytes=len(data))
    assert put(store, data).size == len(data)


class Broken:
    """A download that breaks off after `after` bytes."""

    def __init__(self, data: bytes, after: int) -> None:
        self._buf = io.BytesIO(data)
        self._after = after

    def read(self, n: int = -1) -> bytes:
        if self._buf.tell() >= self._after:
            raise ConnectionResetError("connection reset by peer")
        return self._buf.read(min(n if n >= 0 else 1 << 30, 65536))


@pytest.mark.parametrize("after", [0, 100_000, 20 * MB], ids=["at-once", "early", "multipart"])
def test_a_source_stream_failing_is_retryable_and_keeps_nothing(
    harness: Harness, after: int
) -> None:
    store = harness.store()
    data = pdf_bytes(after + 2 * MB) if after else pdf_bytes()
    with pytest.raises(SourceUnavailable) as info:
        put(store, Broken(data, after))
    assert info.value.retryable
    assert "could not be read" in str(info.value)
    assert isinstance(info.value.__cause__, ConnectionResetError)
    assert harness.leftovers() == []


# --- names and keys ----------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../../etc/passwd",
    "..\\..\\windows\\system32\\config\\sam",
    "/absolute/path/report.pdf",
    "nul\x00byte.pdf",
    "new\nline\r\n.pdf",
    "x" * 1000 + ".pdf",
    "é" * 300,
    "...",
    "..",
    ".",
    "",
    "   ",
    "-rf .pdf",
    ".hidden.pdf",
    "a/../../b.pdf",
    "%2e%2e%2fetc%2fpasswd",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_names_make_safe_keys(harness: Harness, name: str, tmp_path: Path) -> None:
    store = harness.store()
    doc = put(store, pdf_bytes(), name=name, case="DF-3")
    assert re.fullmatch(KEY_RE.format(case="DF-3"), doc.key), doc.key
    assert check_key(doc.key) == doc.key
    last = doc.key.rsplit("/", 1)[1]
    assert ".." not in doc.key.split("/")
    assert "\x00" not in doc.key and "\n" not in doc.key and "\\" not in doc.key
    assert len(last) <= 27 + 100
    assert [i.key for i in store.list_keys("cases/DF-3/")] == [doc.key]
    with store.open(doc.key) as f:
        assert f.read() == pdf_bytes()
    if isinstance(store, LocalStore):
        path = (store.root / doc.key).resolve()
        assert path.is_relative_to(store.root / "cases" / "DF-3")
    assert "\x00" not in doc.original_name and "\n" not in doc.original_name


@pytest.mark.parametrize("case_ref", ["../DF-1", "DF-1/../../x", "df-1", "", "DF-", "DF-1 ", "X-1"])
def test_bad_case_refs_are_refused(harness: Harness, case_ref: str) -> None:
    store = harness.store()
    with pytest.raises(ValueError, match="case reference"):
        put(store, pdf_bytes(), case=case_ref)
    assert harness.leftovers() == []


@pytest.mark.parametrize("key", ["../x", "/etc/passwd", "cases/../../x", "cases//x", "", "a\x00b"])
def test_bad_keys_are_refused(harness: Harness, key: str) -> None:
    store = harness.store()
    for call in (store.open, store.head, store.delete, store.link):
        with pytest.raises(ValueError, match="invalid document key"):
            call(key)


def test_safe_filename_rules() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\me\\My Scan (1).pdf") == "My_Scan_1_.pdf"
    assert safe_filename("a\x00b\nc.pdf") == "abc.pdf"
    assert safe_filename("...") == "document"
    assert safe_filename("") == "document"
    assert safe_filename(None) == "document"
    assert safe_filename(".bashrc") == "bashrc"
    long = safe_filename("y" * 500 + ".docx")
    assert len(long) == 100 and long.endswith(".docx")
    assert len(safe_filename("z" * 500)) == 100
    assert re.fullmatch(r"[A-Za-z0-9._-]+", safe_filename("日本語.pdf"))


def test_make_key_shape() -> None:
    key = make_key("DF-42", "Levy notice.pdf")
    assert re.fullmatch(KEY_RE.format(case="DF-42"), key)
    assert key.endswith("-Levy_notice.pdf")


class _NoSeek(io.RawIOBase):
    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.buf += bytes(b)
        return len(b)


def test_sniff_needs_no_name() -> None:
    assert sniff(pdf_bytes()) == "application/pdf"
    streamed = _NoSeek()  # a DOCX written as a stream: sizes follow the data (data descriptors)
    with zipfile.ZipFile(streamed, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert sniff(bytes(streamed.buf)).endswith("wordprocessingml.document")
    with pytest.raises(DocumentRejected):
        sniff(b"%PD")


# --- head, open, link, delete, list ------------------------------------------------------------


def test_missing_keys(harness: Harness) -> None:
    store = harness.store()
    missing = "cases/DF-1/01J00000000000000000000000-nothing.pdf"
    with pytest.raises(DocumentNotFound):
        store.head(missing)
    with pytest.raises(DocumentNotFound):
        store.open(missing)
    store.delete(missing)  # not an error: garbage collection may race


def test_link_serves_the_bytes(harness: Harness) -> None:
    store = harness.store()
    data = JPEG_1x1
    doc = put(store, data, name="photo.jpg")
    url = store.link(doc.key, timedelta(minutes=5))
    if harness.kind == "local":
        assert url.startswith("file://")
    else:
        assert url.startswith("http://127.0.0.1:")
        assert "Signature=" in url or "X-Amz-Signature=" in url
    with urllib.request.urlopen(url, timeout=10) as response:  # loopback or a local file
        assert response.read() == data
    assert store.link(doc.key, 60) != ""


def test_delete_and_list(harness: Harness) -> None:
    store = harness.store()
    one = put(store, pdf_bytes(), case="DF-1")
    two = put(store, png_bytes(), name="x.png", case="DF-2")
    three = put(store, png_bytes(), name="y.png", case="DF-22")
    assert {i.key for i in store.list_keys()} == {one.key, two.key, three.key}
    assert [i.key for i in store.list_keys("cases/DF-2/")] == [two.key]
    assert [i.key for i in store.list_keys("cases/DF-9/")] == []
    store.delete(two.key)
    with pytest.raises(DocumentNotFound):
        store.head(two.key)
    assert {i.key for i in store.list_keys()} == {one.key, three.key}
    store.delete(one.key)
    store.delete(three.key)
    assert list(store.list_keys()) == []
    assert harness.leftovers() == []


def test_init_checks_access_and_leaves_nothing(harness: Harness) -> None:
    store = harness.store()
    report = store.init()
    assert any("checked" in line for line in report)
    assert harness.leftovers() == []
    assert store.init()  # idempotent


def test_init_creates_what_is_missing(tmp_path: Path, s3_client: Any) -> None:
    local = LocalStore(tmp_path / "new" / "docs")
    assert any("created" in line for line in local.init())
    assert (tmp_path / "new" / "docs").is_dir()
    client = s3_client
    bucket = f"init-{os.urandom(6).hex()}"
    s3 = S3Store(bucket, "p", client=client)
    assert any("created" in line for line in s3.init())
    client.head_bucket(Bucket=bucket)
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    client.delete_bucket(Bucket=bucket)


# --- choosing a store --------------------------------------------------------------------------


def test_store_from_url(
    tmp_path: Path,
    moto_server: str,
    s3_bucket: str,
    s3_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local = store_from_url(f"file://{tmp_path}/docs", max_bytes=123)
    assert isinstance(local, LocalStore)
    assert local.root == tmp_path / "docs" and local.max_bytes == 123
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = store_from_url(f"s3://{s3_bucket}/firm/docs/")
    assert isinstance(s3, S3Store)
    assert s3.prefix == "firm/docs/"
    doc = put(s3, pdf_bytes())
    assert s3.head(doc.key).sha256 == doc.sha256
    head = s3_client.head_object(Bucket=s3_bucket, Key=f"firm/docs/{doc.key}")
    assert head["Metadata"]["sha256"] == doc.sha256
    assert head["Metadata"]["original-name"] == "report.pdf"
    assert head["ContentType"] == "application/pdf"
    for bad in ["", "http://x/y", "s3://", "file://relative/path", "ftp://h/p", "docs"]:
        with pytest.raises(ValueError):
            store_from_url(bad)


def test_server_side_encryption_is_requested(s3_client: Any, s3_bucket: str) -> None:
    client = s3_client
    store = S3Store(s3_bucket, "", client=client, sse="AES256")
    small = put(store, pdf_bytes())
    big = put(store, pdf_bytes(17 * MB))
    for doc in (small, big):
        head = client.head_object(Bucket=s3_bucket, Key=doc.key)
        assert head.get("ServerSideEncryption") == "AES256"
        assert store.head(doc.key).sha256 == doc.sha256
    assert client.head_object(Bucket=s3_bucket, Key=small.key)["Metadata"]["sha256"] == small.sha256
    head_dir, name = big.key.rsplit("/", 1)
    sidecar = client.head_object(Bucket=s3_bucket, Key=f"{head_dir}/.{name}.meta.json")
    assert sidecar.get("ServerSideEncryption") == "AES256"
