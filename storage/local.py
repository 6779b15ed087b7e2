"""A document store in a local folder: atomic writes, same keys as S3."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from ulid import ULID

from storage.base import (
    DEFAULT_MAX_BYTES,
    DocumentNotFound,
    ObjectInfo,
    Readable,
    StorageError,
    StorageUnavailable,
    StoredDocument,
)
from storage.keys import check_key, check_prefix, make_key
from storage.validate import ValidatingReader, clean_original_name, sniff

CHUNK = 1024 * 1024
META_SUFFIX = ".meta.json"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _unavailable(exc: OSError) -> StorageUnavailable:
    return StorageUnavailable(
        "the document folder could not be written or read; try again, and if it keeps "
        "failing check the disk and its permissions",
        detail=f"{type(exc).__name__}: {exc}",
    )


class LocalStore:
    """Documents as files under `root`; each has a hidden sidecar `.<name>.meta.json`.

    A document is written to a temp file in its final folder, fsynced and renamed into place
    (the sidecar first, the document last), so a reader sees a whole document or none. Temp
    files and sidecars start with a dot, which no key part does, so listing skips them.
    """

    def __init__(self, root: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root).expanduser().absolute()
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    # -- paths ----------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    @staticmethod
    def _meta_path(path: Path) -> Path:
        return path.with_name(f".{path.name}{META_SUFFIX}")

    # -- writing --------------------------------------------------------------------------
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
        if isinstance(stream, bytes | bytearray | memoryview):
            stream = io.BytesIO(bytes(stream))
        key = make_key(case_ref, filename)
        reader = ValidatingReader(stream, max_bytes=self.max_bytes)
        path = self._path(key)
        meta_path = self._meta_path(path)
        tmp: str | None = None
        meta_tmp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            doc = StoredDocument(
                key=key,
                sha256=reader.sha256,
                size=reader.size,
                content_type=reader.content_type,
                original_name=clean_original_name(filename),
            )
            meta = {
                "sha256": doc.sha256,
                "size": doc.size,
                "content_type": doc.content_type,
                "original_name": doc.original_name,
                "case_ref": case_ref,
                "kind": kind,
                "uploader": uploader,
            }
            fd, meta_tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(meta, out, ensure_ascii=False)
                out.flush()
                os.fsync(out.fileno())
            os.replace(meta_tmp, meta_path)
            meta_tmp = None
            os.replace(tmp, path)
            tmp = None
            _fsync_dir(path.parent)
            return doc
        except StorageError:  # refused, or the source stream failed: not the folder's fault
            with contextlib.suppress(OSError):
                meta_path.unlink(missing_ok=True)
            raise
        except OSError as exc:
            with contextlib.suppress(OSError):
                meta_path.unlink(missing_ok=True)
            raise _unavailable(exc) from exc
        except BaseException:
            with contextlib.suppress(OSError):
                meta_path.unlink(missing_ok=True)
            raise
        finally:
            for leftover in (tmp, meta_tmp):
                if leftover is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(leftover)

    # -- reading --------------------------------------------------------------------------
    def open(self, key: str) -> IO[bytes]:
        """Open a stored document for reading (close it when done)."""
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise DocumentNotFound(key) from None
        except OSError as exc:
            raise _unavailable(exc) from exc

    def head(self, key: str) -> StoredDocument:
        """Describe a stored document without reading it (its sidecar holds the rest)."""
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise DocumentNotFound(key) from None
        except OSError as exc:
            raise _unavailable(exc) from exc
        if not path.is_file():
            raise DocumentNotFound(key)
        meta: dict[str, Any] = {}
        try:
            meta = json.loads(self._meta_path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        content_type = meta.get("content_type")
        if not content_type:
            try:
                with path.open("rb") as f:
                    content_type = sniff(f.read(64 * 1024))
            except StorageError:
                content_type = "application/octet-stream"
        return StoredDocument(
            key=key,
            sha256=str(meta.get("sha256", "")),
            size=st.st_size,
            content_type=str(content_type),
            original_name=str(meta.get("original_name", path.name)),
        )

    def link(self, key: str, expires: timedelta | int = timedelta(hours=1)) -> str:
        """A `file://` URL to the document (a folder has no expiry; it is not checked)."""
        return self._path(key).as_uri()

    # -- garbage collection ---------------------------------------------------------------
    def delete(self, key: str) -> None:
        """Remove a document and its sidecar; a missing key is not an error."""
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
            self._meta_path(path).unlink(missing_ok=True)
        except IsADirectoryError:
            raise DocumentNotFound(key) from None
        except OSError as exc:
            raise _unavailable(exc) from exc

    def list_keys(self, prefix: str = "cases/") -> Iterator[ObjectInfo]:
        """Every stored document under `prefix` (sidecars and temp files are skipped)."""
        check_prefix(prefix)
        base = self.root
        if "/" in prefix:
            base = self.root.joinpath(*prefix.rsplit("/", 1)[0].split("/"))
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                full = Path(dirpath, name)
                key = full.relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    st = full.stat()
                except FileNotFoundError:
                    continue
                yield ObjectInfo(
                    key=key,
                    size=st.st_size,
                    last_modified=datetime.fromtimestamp(st.st_mtime, tz=UTC),
                )

    def init(self) -> list[str]:
        """Create the folder and check that a file can be written, read back and removed."""
        report = []
        try:
            if not self.root.is_dir():
                self.root.mkdir(parents=True, exist_ok=True)
                report.append(f"created the folder {self.root}")
            else:
                report.append(f"the folder {self.root} exists")
            probe = self.root / f".dragonfly-probe-{ULID()}"
            payload = b"dragonfly storage probe\n"
            probe.write_bytes(payload)
            try:
                if probe.read_bytes() != payload:
                    raise StorageError(f"the probe file in {self.root} did not read back intact")
            finally:
                probe.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot use the folder {self.root} for documents: {exc.strerror or exc}; "
                "check that it exists and is writable",
                detail=repr(exc),
            ) from exc
        report.append("write, read and delete checked")
        return report
