"""Document storage: an S3-compatible bucket or a local folder behind one protocol.

This package imports nothing else of the project's.
"""

from storage.base import (
    DEFAULT_MAX_BYTES,
    DocumentNotFound,
    DocumentRejected,
    DocumentStore,
    ObjectInfo,
    Readable,
    SourceUnavailable,
    StorageError,
    StorageUnavailable,
    StoredDocument,
)
from storage.factory import store_from_url
from storage.keys import check_key, make_key
from storage.local import LocalStore
from storage.s3 import S3Store
from storage.validate import ACCEPTED_TYPES, HTML_MESSAGE, safe_filename, sniff

__all__ = [
    "ACCEPTED_TYPES",
    "DEFAULT_MAX_BYTES",
    "HTML_MESSAGE",
    "DocumentNotFound",
    "DocumentRejected",
    "DocumentStore",
    "LocalStore",
    "ObjectInfo",
    "Readable",
    "S3Store",
    "SourceUnavailable",
    "StorageError",
    "StorageUnavailable",
    "StoredDocument",
    "check_key",
    "make_key",
    "safe_filename",
    "sniff",
    "store_from_url",
]
