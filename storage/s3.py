"""A document store in an S3-compatible bucket (AWS, MinIO, R2, Supabase Storage, moto...)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import IO, Any, cast
from urllib.parse import quote, unquote

from ulid import ULID

from storage.base import (
    DEFAULT_MAX_BYTES,
    DocumentNotFound,
    ObjectInfo,
    PendingUpload,
    Readable,
    StorageError,
    StoredDocument,
)
from storage.keys import check_key, check_prefix, make_key
from storage.s3_client import default_client, default_transfer_config
from storage.s3_errors import error_code, map_error
from storage.validate import ValidatingReader, clean_original_name

MB = 1024 * 1024
SINGLE_PUT_MAX = 16 * MB
META_SUFFIX = ".meta.json"
MAX_PRESIGN = timedelta(days=7)


class _Chain:
    """A non-seekable reader returning `first`, then the rest of a `ValidatingReader`."""

    def __init__(self, first: bytes, rest: ValidatingReader) -> None:
        self._first: bytes | None = first
        self._rest = rest

    def read(self, size: int = -1, /) -> bytes:
        first = self._first
        if first is not None:
            self._first = None
            if size < 0:
                return first + self._rest.read()
            if len(first) == size:
                return first
            if len(first) > size:
                self._first = first[size:]
                return first[:size]
            return first + self._rest.read(size - len(first))
        return self._rest.read(size)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


def _meta(value: str) -> str:
    """Object metadata must be ASCII: percent-encode what users typed."""
    return quote(value, safe=" ._-@:+,()[]")


class S3Store:
    """Documents as objects in `bucket` under `prefix`, uploaded in streamed multipart chunks.

    `put` reads the first bytes, checks the type, then streams the rest through a reader that
    hashes, counts and enforces the size limit; memory stays near the transfer buffers (4 x 8 MB)
    whatever the file size. A document up to `single_put_max` (16 MB, which covers Slack's 10 MB
    uploads) is sent in one PUT whose metadata carries its sha256. A larger one is sent in parts;
    its sha256 is known only at the end, when S3 no longer lets metadata change without a
    server-side copy of the whole object, so it goes in a small sidecar object
    `.<name>.meta.json` next to it (hidden from `list_keys`, removed by `delete`). A refused or
    failed upload leaves nothing behind (the multipart upload is aborted, objects deleted).
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        client: Any = None,
        sse: str | None = None,
        transfer_config: Any = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        sse_kms_key_id: str | None = None,
        region: str | None = None,
        single_put_max: int = SINGLE_PUT_MAX,
    ) -> None:
        if not bucket:
            raise ValueError("an S3 bucket name is required")
        self.bucket = bucket
        prefix = prefix.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""
        self.client = client if client is not None else default_client()
        self.sse = sse
        self.sse_kms_key_id = sse_kms_key_id
        self.transfer_config = transfer_config or default_transfer_config()
        self.max_bytes = max_bytes
        self.region = region
        self.single_put_max = max(single_put_max, int(self.transfer_config.multipart_threshold))

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    @staticmethod
    def _sidecar(object_key: str) -> str:
        head, _, name = object_key.rpartition("/")
        return f"{head}/.{name}{META_SUFFIX}" if head else f".{name}{META_SUFFIX}"

    def _sse_args(self) -> dict[str, str]:
        args: dict[str, str] = {}
        if self.sse:
            args["ServerSideEncryption"] = self.sse
            if self.sse_kms_key_id:
                args["SSEKMSKeyId"] = self.sse_kms_key_id
        return args

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
        object_key = self._object_key(key)
        reader = ValidatingReader(stream, max_bytes=self.max_bytes)
        original = clean_original_name(filename)
        metadata = {
            "original-name": _meta(original),
            "case-ref": case_ref,
            "kind": _meta(kind),
            "uploader": _meta(uploader),
        }
        first = reader.read(self.single_put_max)
        small = len(first) < self.single_put_max
        written = False
        try:
            if small:
                reader.read(1)  # reaches the end: the size and sha256 are final
                metadata["sha256"] = reader.sha256
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=object_key,
                    Body=first,
                    ContentType=reader.content_type,
                    Metadata=metadata,
                    **self._sse_args(),
                )
                written = True
            else:
                extra = {"ContentType": reader.content_type, "Metadata": metadata}
                extra.update(self._sse_args())
                body = _Chain(first, reader)
                del first
                self.client.upload_fileobj(body, self.bucket, object_key, ExtraArgs=extra, Config=self.transfer_config)
                written = True
                sidecar = {
                    "sha256": reader.sha256,
                    "size": reader.size,
                    "content_type": reader.content_type,
                    "original_name": original,
                    "case_ref": case_ref,
                    "kind": kind,
                    "uploader": uploader,
                }
                self.client.put_object(
                    Bucket=self.bucket,
                    Key=self._sidecar(object_key),
                    Body=json.dumps(sidecar, ensure_ascii=False).encode("utf-8"),
                    ContentType="application/json",
                    **self._sse_args(),
                )
        except StorageError:
            # Refused, or the source stream failed: the service is fine, so abort the parts and
            # remove anything written.
            self._discard(object_key, written=written)
            raise
        except BaseException as exc:
            mapped = map_error(exc, action="store")
            # An upload that failed midway was aborted by s3transfer; an object that was
            # written but not completed (its sidecar failed) is removed if the service lets us.
            if written:
                self._discard(object_key, written=True)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise mapped from exc
        return StoredDocument(
            key=key,
            sha256=reader.sha256,
            size=reader.size,
            content_type=reader.content_type,
            original_name=original,
        )

    def _discard(self, object_key: str, *, written: bool) -> None:
        """Best effort: leave nothing of a refused or failed upload in the bucket."""
        with contextlib.suppress(Exception):
            uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=object_key)
            for upload in uploads.get("Uploads", []):
                if upload.get("Key") == object_key:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=object_key, UploadId=upload["UploadId"])
        if written:
            for k in (object_key, self._sidecar(object_key)):
                with contextlib.suppress(Exception):
                    self.client.delete_object(Bucket=self.bucket, Key=k)

    # -- reading --------------------------------------------------------------------------
    def open(self, key: str) -> IO[bytes]:
        """Open a stored document for reading (a streaming body; close it when done)."""
        object_key = self._object_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=object_key)
        except Exception as exc:
            raise map_error(exc, key=key, action="read") from exc
        return cast(IO[bytes], response["Body"])

    def head(self, key: str) -> StoredDocument:
        """Describe a stored document from its object metadata, without reading it."""
        object_key = self._object_key(key)
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=object_key)
        except Exception as exc:
            raise map_error(exc, key=key, action="read") from exc
        meta = {k.lower(): v for k, v in (response.get("Metadata") or {}).items()}
        sha256 = meta.get("sha256") or self._sidecar_sha256(object_key)
        return StoredDocument(
            key=key,
            sha256=sha256,
            size=int(response.get("ContentLength", 0)),
            content_type=response.get("ContentType") or "application/octet-stream",
            original_name=unquote(meta.get("original-name", key.rsplit("/", 1)[-1])),
        )

    def _sidecar_sha256(self, object_key: str) -> str:
        """The sha256 noted beside a multipart-uploaded object ("" if there is none)."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._sidecar(object_key))["Body"]
            with contextlib.closing(body):
                return str(json.loads(body.read(64 * 1024)).get("sha256", ""))
        except ValueError:
            return ""
        except Exception as exc:
            mapped = map_error(exc, key=object_key, action="read")
            if isinstance(mapped, DocumentNotFound):
                return ""
            raise mapped from exc

    def link(self, key: str, expires: timedelta | int = timedelta(hours=1)) -> str:
        """A presigned GET URL valid for `expires` (at most 7 days); existence is not checked."""
        seconds = int(expires.total_seconds() if isinstance(expires, timedelta) else expires)
        if not 0 < seconds <= MAX_PRESIGN.total_seconds():
            raise ValueError("a link must expire within 1 second to 7 days")
        object_key = self._object_key(key)
        try:
            url = self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": object_key},
                ExpiresIn=seconds,
            )
        except Exception as exc:
            raise map_error(exc, key=key, action="link") from exc
        return str(url)

    # -- garbage collection ---------------------------------------------------------------
    def delete(self, key: str) -> None:
        """Remove a document and its sidecar, if any; a missing key is not an error."""
        object_key = self._object_key(key)
        for k in (object_key, self._sidecar(object_key)):
            try:
                self.client.delete_object(Bucket=self.bucket, Key=k)
            except Exception as exc:
                mapped = map_error(exc, key=key, action="delete")
                if isinstance(mapped, DocumentNotFound):
                    continue
                raise mapped from exc

    def list_keys(self, prefix: str = "cases/") -> Iterator[ObjectInfo]:
        """Every stored document whose key starts with `prefix`, page by page."""
        check_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []) or []:
                    if item["Key"].rsplit("/", 1)[-1].startswith("."):
                        continue  # a sidecar (or a probe): not a document
                    yield ObjectInfo(
                        key=item["Key"][len(self.prefix) :],
                        size=int(item["Size"]),
                        last_modified=item["LastModified"],
                    )
        except Exception as exc:
            raise map_error(exc, action="list") from exc

    def incomplete_uploads(self, prefix: str = "cases/") -> Iterator[PendingUpload]:
        """Multipart uploads under `prefix` never completed (storage/uploads.py)."""
        from storage.uploads import list_incomplete

        return list_incomplete(self, prefix)

    def abort_upload(self, upload: PendingUpload) -> None:
        """Abort one incomplete multipart upload, freeing its parts (gone already is fine)."""
        from storage.uploads import abort

        abort(self, upload)

    def init(self) -> list[str]:
        """Create the bucket where permitted, then put, get and delete a probe object."""
        from botocore.exceptions import ClientError

        report: list[str] = []
        try:
            self.client.head_bucket(Bucket=self.bucket)
            report.append(f"the bucket {self.bucket} exists")
        except ClientError as exc:
            code, status = error_code(exc)
            if status == 404 or code in {"404", "NoSuchBucket", "NotFound"}:
                self._create_bucket()
                report.append(f"created the bucket {self.bucket}")
            elif status == 403:
                report.append(f"not allowed to check the bucket {self.bucket}; probing it")
            else:
                raise map_error(exc, action="check") from exc
        except Exception as exc:
            raise map_error(exc, action="check") from exc
        probe = f"{self.prefix}.dragonfly-probe/{ULID()}"
        payload = b"dragonfly storage probe\n"
        try:
            self.client.put_object(Bucket=self.bucket, Key=probe, Body=payload, **self._sse_args())
            body = self.client.get_object(Bucket=self.bucket, Key=probe)["Body"]
            with contextlib.closing(body):
                data = body.read()
            self.client.delete_object(Bucket=self.bucket, Key=probe)
        except Exception as exc:
            raise map_error(exc, action="probe") from exc
        if data != payload:
            raise StorageError(f"the probe object in {self.bucket} did not read back intact")
        where = f"s3://{self.bucket}/{self.prefix}"
        report.append(f"write, read and delete checked in {where}")
        return report

    def _create_bucket(self) -> None:
        region = self.region or getattr(self.client.meta, "region_name", None)
        args: dict[str, Any] = {"Bucket": self.bucket}
        if region and region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self.client.create_bucket(**args)
        except Exception as exc:
            code, _ = error_code(exc)
            if code in {"BucketAlreadyOwnedByYou"}:
                return
            if code in {"AccessDenied", "BucketAlreadyExists"} or error_code(exc)[1] == 403:
                raise StorageError(
                    f"the bucket {self.bucket} does not exist and could not be created "
                    f"({code}); create it by hand or use credentials allowed to",
                    detail=f"{type(exc).__name__}: {exc}",
                ) from exc
            raise map_error(exc, action="create the bucket for") from exc
