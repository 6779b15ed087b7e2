"""Validation of a document before anything is kept: type from the bytes, size, file names."""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
import zlib
from urllib.parse import quote

from storage.base import DEFAULT_MAX_BYTES, DocumentRejected, Readable, SourceUnavailable

SNIFF_BYTES = 256 * 1024
"""How many leading bytes are read to decide the type (a DOCX's zip directory of its
first members, for instance, has to be in here)."""

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACCEPTED_TYPES = (PDF, PNG, JPEG, TIFF, DOCX)

HTML_MESSAGE = "the file could not be downloaded (authorization page received)"
EMPTY_MESSAGE = "the file is empty (0 bytes); check the file and upload it again"
ACCEPTED_TEXT = "PDF, PNG, JPEG, TIFF or DOCX"

_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<meta",
    b"<title",
    b"<script",
    b"<!--",
)
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_WORD_CONTENT_TYPE = b"wordprocessingml.document.main+xml"


def _mb(n: int) -> str:
    value = n / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


def too_large(max_bytes: int) -> DocumentRejected:
    """The error for a document over the size limit."""
    return DocumentRejected(
        f"the file is larger than the {_mb(max_bytes)} limit; "
        "compress it or split it into smaller files and upload them again",
        reason="too_large",
    )


def _looks_like_html(head: bytes) -> bool:
    text = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    if text.startswith(_HTML_STARTS):
        return True
    return text.startswith(b"<") and (b"<html" in text or b"<body" in text)


def _zip_members(head: bytes) -> list[tuple[str, int, int, bytes]]:
    """Walk a zip's local file headers found in `head`: (name, method, flags, data-in-head)."""
    members: list[tuple[str, int, int, bytes]] = []
    pos = 0
    while head.startswith(_ZIP_LOCAL_HEADER, pos) and pos + 30 <= len(head):
        (flags, method, csize, name_len, extra_len) = (
            struct.unpack_from("<H", head, pos + 6)[0],
            struct.unpack_from("<H", head, pos + 8)[0],
            struct.unpack_from("<I", head, pos + 18)[0],
            struct.unpack_from("<H", head, pos + 26)[0],
            struct.unpack_from("<H", head, pos + 28)[0],
        )
        name = head[pos + 30 : pos + 30 + name_len].decode("utf-8", "replace")
        start = pos + 30 + name_len + extra_len
        members.append((name, method, flags, head[start : start + csize]))
        if flags & 0x08 or csize == 0 and method != 0:
            break  # sizes follow the data (data descriptor): cannot skip to the next header
        pos = start + csize
    return members


def _is_docx(head: bytes) -> bool:
    for name, method, flags, data in _zip_members(head):
        if name.startswith("word/"):
            return True
        if name == "[Content_Types].xml" and data and not flags & 0x08:
            try:
                content = data if method == 0 else zlib.decompressobj(-15).decompress(data, 1 << 20)
            except zlib.error:
                continue
            if _WORD_CONTENT_TYPE in content:
                return True
    # A member header we could not reach by walking (data descriptors): names are stored
    # uncompressed, so a Word member name in the leading bytes still identifies the file.
    return b"word/document.xml" in head or (b"[Content_Types].xml" in head and b"word/" in head)


def _describe(head: bytes) -> str:
    """A few words on what an unaccepted file seems to be, for the refusal message."""
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return "an executable program"
    if head.startswith(_ZIP_LOCAL_HEADER):
        return "a ZIP archive that is not a Word (DOCX) document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Microsoft Office file (.doc/.xls)"
    try:
        import filetype  # type: ignore[import-untyped]

        kind = filetype.guess(head)
    except Exception:  # pragma: no cover - the description is only a courtesy
        kind = None
    if kind is not None:
        return f"a {kind.extension.upper()} file ({kind.mime})"
    sample = head[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:
            return "a file of an unknown type"
    return "plain text"


def sniff(head: bytes) -> str:
    """The content type of a document from its first bytes, or raise `DocumentRejected`."""
    if not head:
        raise DocumentRejected(EMPTY_MESSAGE, reason="empty")
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return TIFF
    if head.startswith(_ZIP_LOCAL_HEADER) and _is_docx(head):
        return DOCX
    if _looks_like_html(head):
        raise DocumentRejected(HTML_MESSAGE, reason="html")
    raise DocumentRejected(
        f"the file type is not accepted: it looks like {_describe(head)}; "
        f"only {ACCEPTED_TEXT} files are accepted, so save or scan it as a PDF and upload it again",
        reason="unsupported_type",
    )


def _read_exactly(raw: Readable, n: int) -> bytes:
    """Read `n` bytes, or fewer only at the end of the stream; a failing stream raises
    `SourceUnavailable` (whatever its own exception type: OSError, urllib3's, ...)."""
    try:
        return _read_exactly_raw(raw, n)
    except Exception as exc:
        raise SourceUnavailable(detail=f"{type(exc).__name__}: {exc}") from exc


def _read_exactly_raw(raw: Readable, n: int) -> bytes:
    first = raw.read(n)
    if not first or len(first) >= n:
        return bytes(first or b"")
    parts = [first]
    got = len(first)
    while got < n:
        more = raw.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


class ValidatingReader:
    """Wraps a stream: checks its type on creation, then hashes, counts and limits its bytes.

    Creating it reads the first bytes and raises `DocumentRejected` for an empty file, an HTML
    page or a type that is not accepted, before anything is written anywhere. `read(n)` returns
    exactly `n` bytes until the end of the stream and raises `DocumentRejected` as soon as more
    than `max_bytes` have been read. It is deliberately not seekable, so an uploader reads it
    once, in order, in bounded chunks.
    """

    def __init__(self, raw: Readable, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self._raw = raw
        self.max_bytes = max_bytes
        self._pending = _read_exactly(raw, min(SNIFF_BYTES, max_bytes + 1))
        self.content_type = sniff(self._pending)
        self._hash = hashlib.sha256()
        self.size = 0
        self._eof = False

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            size = self.max_bytes + 1 - self.size + 1
        if size == 0 or self._eof:
            return b""
        if self._pending:
            if len(self._pending) >= size:
                data, self._pending = self._pending[:size], self._pending[size:]
            else:
                data = self._pending + _read_exactly(self._raw, size - len(self._pending))
                self._pending = b""
        else:
            data = _read_exactly(self._raw, size)
        if not data:
            self._eof = True
            return b""
        self.size += len(data)
        if self.size > self.max_bytes:
            raise too_large(self.max_bytes)
        self._hash.update(data)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    @property
    def sha256(self) -> str:
        """Hex sha256 of the bytes read so far (all of them once `read` returned b"")."""
        return self._hash.hexdigest()


# --- names ---------------------------------------------------------------------------------

MAX_NAME = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_filename(name: str | None, *, max_length: int = MAX_NAME) -> str:
    """A user's file name made safe to be the last part of a key: never a path, never empty.

    Directories are stripped, control characters dropped, accents folded, anything outside
    ``[A-Za-z0-9._-]`` becomes ``_``, leading dots and dashes go, and the length is capped
    keeping the extension.
    """
    text = _CONTROL.sub("", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"_{2,}", "_", text)
    text = text.lstrip("._-").rstrip("._- ")
    if not text:
        return "document"
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = text, ""
    if len(text) > max_length:
        if ext:
            stem = stem[: max(1, max_length - len(ext) - 1)].rstrip("._-") or "document"
            text = f"{stem}.{ext}"[:max_length]
        else:
            text = text[:max_length].rstrip("._-") or "document"
    return text


def clean_original_name(name: str | None, *, max_encoded: int = 1024) -> str:
    """The name as the user gave it, for display and audit: control characters removed and
    capped so that its percent-encoded form fits in object metadata."""
    text = _CONTROL.sub("", name or "").strip() or "document"
    while len(quote(text, safe="")) > max_encoded:
        text = text[: max(1, len(text) * 3 // 4)]
    return text
