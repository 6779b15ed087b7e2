"""Incomplete multipart uploads in an S3 bucket: finding and aborting them.

A process killed (or a connection stalled) in the middle of a multipart upload leaves its parts in
the bucket: they are billed, listed by no `list_objects`, and belong to no object until the upload
is aborted. `S3Store.put` aborts its own failed uploads; these helpers find the ones nobody was
left to abort, for `dragonfly doctor` (report) and `dragonfly storage gc` (abort). A bucket
lifecycle rule (AbortIncompleteMultipartUpload) does the same on the provider's side (README).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from ulid import ULID

from storage.base import PendingUpload
from storage.keys import check_prefix

if TYPE_CHECKING:
    from storage.s3 import S3Store


def list_incomplete(store: S3Store, prefix: str = "cases/") -> Iterator[PendingUpload]:
    """Every multipart upload under the store's prefix + `prefix` not completed nor aborted."""
    from storage.s3 import map_error

    check_prefix(prefix)
    paginator = store.client.get_paginator("list_multipart_uploads")
    try:
        for page in paginator.paginate(Bucket=store.bucket, Prefix=store.prefix + prefix):
            for item in page.get("Uploads", []) or []:
                key = item["Key"][len(store.prefix) :]
                yield PendingUpload(key=key, upload_id=item["UploadId"], initiated=started(key, item["Initiated"]))
    except Exception as exc:
        raise map_error(exc, action="list the uploads in") from exc


def started(key: str, initiated: datetime) -> datetime:
    """When an upload began: the later of the service's `Initiated` and the time in the key's ULID
    (storage/keys.py). Some services report a wrong `Initiated` (moto a fixed 2010 date); taking the
    later one never makes an upload in flight look old enough to abort."""
    name = key.rsplit("/", 1)[-1]
    try:
        minted = ULID.from_str(name[:26]).datetime
    except ValueError:
        return initiated
    return max(initiated, minted)


def abort(store: S3Store, upload: PendingUpload) -> None:
    """Abort one upload; one already completed or aborted (NoSuchUpload) is not an error."""
    from storage.base import DocumentNotFound
    from storage.s3 import map_error

    try:
        store.client.abort_multipart_upload(
            Bucket=store.bucket, Key=store.prefix + upload.key, UploadId=upload.upload_id
        )
    except Exception as exc:
        mapped = map_error(exc, key=upload.key, action="abort the upload of")
        if isinstance(mapped, DocumentNotFound):
            return
        raise mapped from exc
