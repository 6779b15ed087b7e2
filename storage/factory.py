"""Choose a document store from a `STORAGE_URL`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from storage.base import DEFAULT_MAX_BYTES, DocumentStore


def store_from_url(
    url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, sse: str | None = None
) -> DocumentStore:
    """`file:///path` -> LocalStore, `s3://bucket/prefix` -> S3Store (standard AWS variables).

    Example: ``store_from_url("s3://dragonfly-docs/prod", sse="AES256")``.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError("STORAGE_URL is empty: use file:///path/to/folder or s3://bucket/prefix")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(
                f"STORAGE_URL {url!r}: a file URL needs an absolute path, like file:///srv/docs "
                "(three slashes)"
            )
        path = unquote(parts.path)
        if not path or not path.startswith("/"):
            raise ValueError(f"STORAGE_URL {url!r}: a file URL needs an absolute path")
        from storage.local import LocalStore

        return LocalStore(Path(path), max_bytes=max_bytes)
    if scheme == "s3":
        bucket = parts.netloc
        if not bucket:
            raise ValueError(f"STORAGE_URL {url!r}: expected s3://bucket or s3://bucket/prefix")
        if parts.query or parts.fragment:
            raise ValueError(f"STORAGE_URL {url!r}: query strings are not supported")
        from storage.s3 import S3Store

        return S3Store(bucket, unquote(parts.path).strip("/"), sse=sse, max_bytes=max_bytes)
    raise ValueError(
        f"STORAGE_URL {url!r} is not supported: use file:///path/to/folder or s3://bucket/prefix"
    )
