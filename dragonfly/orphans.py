"""Orphans both ways, and garbage collection of unreferenced objects.

An object with no document row is what the evidence gate leaves when the database refuses after
the bytes were stored (or a duplicate could not be deleted). A row whose object is missing, or
whose size or sha256 differ from what the store holds, means a document was lost or replaced.
`dragonfly doctor` reports both; `dragonfly storage gc` removes unreferenced objects only, and
only those older than a cutoff, so uploads still on their way to the database are never touched.
Incomplete multipart uploads (a process killed mid-upload) are reported and aborted the same way,
by age (storage/uploads.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from dragonfly.bootstrap import Services
from dragonfly.views import DocumentView
from storage.base import DocumentNotFound, ObjectInfo, PendingUpload, StorageError

PREFIX = "cases/"
REHASH_MAX_BYTES = 8 * 1024 * 1024
"""Without a recorded sha256, objects up to this size are hashed to check them (cheap enough)."""
DEFAULT_GRACE = timedelta(minutes=10)
"""`doctor` ignores unreferenced objects younger than this: they may be uploads in flight."""

_DURATION = re.compile(r"\s*(\d+)\s*([smhdw])\s*", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`30m`, `12h`, `1d`, `7d`, `0s` or combined like `1d12h` -> timedelta."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty duration: use e.g. 30m, 12h, 1d or 7d")
    pos, total = 0, timedelta()
    stripped = text.strip()
    while pos < len(stripped):
        m = _DURATION.match(stripped, pos)
        if not m:
            raise ValueError(f"invalid duration {text!r}: use a number and a unit (s, m, h, d, w), e.g. 30m, 12h, 1d")
        total += timedelta(**{_UNITS[m.group(2).lower()]: int(m.group(1))})
        pos = m.end()
    return total


def doctor_grace(services: Services) -> timedelta:
    """Age under which `doctor` leaves an unreferenced object alone ($DRAGONFLY_ORPHAN_GRACE)."""
    value = services.settings.dragonfly_orphan_grace
    return parse_duration(value) if value else DEFAULT_GRACE


@dataclass(frozen=True)
class BrokenDocument:
    """A document row the store does not back as recorded."""

    document_id: int
    case_ref: str
    storage_key: str
    problem: str

    def line(self) -> str:
        return f"{self.case_ref}: document {self.document_id} ({self.storage_key}) {self.problem}"


@dataclass
class OrphanReport:
    unreferenced: list[ObjectInfo] = field(default_factory=list)
    broken: list[BrokenDocument] = field(default_factory=list)
    unverified: int = 0  # rows whose sha256 the store did not record and that were too big to hash
    stalled: list[PendingUpload] = field(default_factory=list)  # incomplete multipart uploads

    @property
    def ok(self) -> bool:
        return not self.unreferenced and not self.broken and not self.stalled

    def lines(self) -> list[str]:
        out = [b.line() for b in self.broken]
        out += [
            f"{o.key}: stored object has no document row ({o.size} bytes, {_age(o)} old;"
            " remove with: dragonfly storage gc --older-than 1d --apply)"
            for o in self.unreferenced
        ]
        out += [
            f"{u.key}: incomplete multipart upload started {_since(u.initiated)} ago (its parts are billed;"
            " abort with: dragonfly storage gc --older-than 1d --apply)"
            for u in self.stalled
        ]
        return out


@dataclass
class GcResult:
    candidates: list[ObjectInfo] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # referenced by the time we got to them
    failed: list[tuple[str, str]] = field(default_factory=list)
    applied: bool = False
    stalled: list[PendingUpload] = field(default_factory=list)  # incomplete uploads older than the cutoff
    aborted: list[str] = field(default_factory=list)


def _documents(services: Services) -> list[DocumentView]:
    with Session(services.engine) as session:
        return list(session.exec(select(DocumentView).order_by(col(DocumentView.document_id))))


def _referenced(services: Services, keys: Iterable[str]) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    with Session(services.engine) as session:
        key = col(DocumentView.storage_key)
        return set(session.exec(select(DocumentView.storage_key).where(key.in_(keys))))


def _age(info: ObjectInfo, now: datetime | None = None) -> str:
    return _since(info.last_modified, now)


def _since(when: datetime, now: datetime | None = None) -> str:
    seconds = int(((now or datetime.now(UTC)) - when).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def unreferenced_objects(services: Services, *, older_than: timedelta, now: datetime | None = None) -> list[ObjectInfo]:
    """Stored objects under `cases/` older than `older_than` that no document row points at."""
    cutoff = (now or datetime.now(UTC)) - older_than
    # List first, then read the rows: a row committed meanwhile is seen, never taken for an orphan.
    old = [o for o in services.store.list_keys(PREFIX) if o.last_modified <= cutoff]
    referenced = _referenced(services, (o.key for o in old))
    return [o for o in old if o.key not in referenced]


def stalled_uploads(services: Services, *, older_than: timedelta, now: datetime | None = None) -> list[PendingUpload]:
    """Multipart uploads under `cases/` started more than `older_than` ago and never completed.

    Only S3 has them (a local folder writes a file at once); a store without the method has none.
    """
    lister = getattr(services.store, "incomplete_uploads", None)
    if lister is None:
        return []
    cutoff = (now or datetime.now(UTC)) - older_than
    return [u for u in lister(PREFIX) if u.initiated <= cutoff]


def _sha256_of(services: Services, key: str) -> str:
    digest = hashlib.sha256()
    with services.store.open(key) as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def broken_documents(services: Services) -> tuple[list[BrokenDocument], int]:
    """Rows whose object is missing or differs in size or sha256; and how many were not hashed."""
    store = services.store
    listed = {o.key: o for o in store.list_keys(PREFIX)}
    broken: list[BrokenDocument] = []
    unverified = 0
    for d in _documents(services):

        def bad(problem: str, d: DocumentView = d) -> None:
            broken.append(BrokenDocument(d.document_id, d.case_ref, d.storage_key, problem))

        try:
            info = store.head(d.storage_key)
        except DocumentNotFound:
            bad("is missing from the store")
            continue
        except ValueError:
            bad("has a key the store cannot hold")
            continue
        size = listed[d.storage_key].size if d.storage_key in listed else info.size
        if size != d.size_bytes:
            bad(f"size differs: row says {d.size_bytes} bytes, the store holds {size}")
            continue
        sha = info.sha256
        if not sha:
            if size > REHASH_MAX_BYTES:
                unverified += 1
                continue
            sha = _sha256_of(services, d.storage_key)
        if sha != d.sha256:
            bad(f"sha256 differs: row says {d.sha256[:12]}..., the store holds {sha[:12]}...")
    return broken, unverified


def find_orphans(services: Services, *, older_than: timedelta = DEFAULT_GRACE) -> OrphanReport:
    """Both ways: objects with no row (older than `older_than`); rows whose object is off."""
    broken, unverified = broken_documents(services)
    return OrphanReport(
        unreferenced=unreferenced_objects(services, older_than=older_than),
        broken=broken,
        unverified=unverified,
        stalled=stalled_uploads(services, older_than=older_than),
    )


def gc(services: Services, older_than: timedelta, apply: bool = False) -> GcResult:
    """Delete objects no row points at, older than `older_than`; a dry run unless `apply`."""
    candidates = unreferenced_objects(services, older_than=older_than)
    result = GcResult(candidates=candidates, applied=apply, stalled=stalled_uploads(services, older_than=older_than))
    if not apply:
        return result
    for u in result.stalled:
        try:
            services.store.abort_upload(u)  # type: ignore[attr-defined]
        except StorageError as exc:
            result.failed.append((u.key, exc.message))
            continue
        result.aborted.append(u.key)
    for o in result.candidates:
        if _referenced(services, [o.key]):  # recorded since the listing: keep it
            result.skipped.append(o.key)
            continue
        try:
            services.store.delete(o.key)
        except StorageError as exc:
            result.failed.append((o.key, exc.message))
            continue
        result.deleted.append(o.key)
    return result
