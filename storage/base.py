"""The DocumentStore protocol, what it returns, and the errors it raises."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any, NamedTuple, Protocol, runtime_checkable

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Default size limit of one document (50 MB)."""


@dataclass(frozen=True)
class StoredDocument:
    """A document as the store holds it: where it is and what it is."""

    key: str
    sha256: str
    size: int
    content_type: str
    original_name: str

    def row(self) -> dict[str, Any]:
        """Its columns as attach_enforcement_document takes them."""
        return dict(
            storage_key=self.key,
            sha256=self.sha256,
            size_bytes=self.size,
            content_type=self.content_type,
            original_name=self.original_name,
        )


class ObjectInfo(NamedTuple):
    """One stored object, as listed for garbage collection and `doctor`."""

    key: str
    size: int
    last_modified: datetime


class PendingUpload(NamedTuple):
    """A multipart upload that was started and never completed nor aborted (a crash or a stall).

    Its parts are stored, and billed, but belong to no object until it is aborted.
    """

    key: str
    upload_id: str
    initiated: datetime


class Readable(Protocol):
    """Anything with `read(n) -> bytes`: an open file, a socket stream, a response body."""

    def read(self, size: int = -1, /) -> bytes: ...


class StorageError(Exception):
    """Base class of every error raised by a document store."""

    retryable: bool = False

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class StorageUnavailable(StorageError):
    """The storage service could not be reached or failed; trying again later may work."""

    retryable = True
    MESSAGE = "the storage service could not be reached; try again in a few minutes"

    def __init__(self, message: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(message or self.MESSAGE, detail=detail)


class SourceUnavailable(StorageUnavailable):
    """The document's own stream failed while it was being stored (e.g. a download broke off).

    Nothing was kept; fetching the file again and retrying may work.
    """

    MESSAGE = "the file could not be read while it was being stored; try again in a few minutes"


class DocumentRejected(StorageError):
    """The document itself is not acceptable (empty, too large, wrong type, HTML page).

    `reason` is a short code (``empty``, ``too_large``, ``unsupported_type``, ``html``);
    the message names the problem and what to do, and can be shown to the user as is.
    """

    def __init__(self, message: str, *, reason: str, detail: str | None = None) -> None:
        super().__init__(message, detail=detail)
        self.reason = reason


class DocumentNotFound(StorageError):
    """No document is stored under this key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no document is stored under the key {key!r}")
        self.key = key


@runtime_checkable
class DocumentStore(Protocol):
    """Where documents live: an S3-compatible bucket or a local folder."""

    max_bytes: int

    def put(
        self,
        stream: Readable | bytes,
        *,
        case_ref: str,
        kind: str,
        filename: str,
        uploader: str,
    ) -> StoredDocument:
        """Validate and store a document under a new key; nothing is kept if it is refused."""
        ...

    def open(self, key: str) -> IO[bytes]:
        """Open a stored document for reading (close it when done)."""
        ...

    def head(self, key: str) -> StoredDocument:
        """Describe a stored document without reading it."""
        ...

    def link(self, key: str, expires: timedelta | int = timedelta(hours=1)) -> str:
        """A URL to the document (presigned for S3, `file://` for a folder); not checked."""
        ...

    def delete(self, key: str) -> None:
        """Remove a document (used only by garbage collection); a missing key is not an error."""
        ...

    def list_keys(self, prefix: str = "cases/") -> Iterator[ObjectInfo]:
        """Every stored document under `prefix`, with its size and last modification time."""
        ...

    def init(self) -> list[str]:
        """Create the bucket or folder where permitted and check read/write/delete access."""
        ...
