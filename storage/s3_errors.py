"""How the S3 store (storage/s3.py) reads boto3's errors: which mean "try again later"
(StorageUnavailable), which mean the document is not there, and which need a person (a sentence
saying what to fix)."""

from __future__ import annotations

from storage.base import DocumentNotFound, StorageError, StorageUnavailable

_RETRYABLE_CODES = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "BadGateway",
    "GatewayTimeout",
}
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}


def error_code(exc: Exception) -> tuple[str, int]:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


def map_error(exc: BaseException, *, key: str | None = None, action: str = "use") -> StorageError:
    """Translate a boto3/botocore error into one of the store's errors."""
    from boto3.exceptions import S3UploadFailedError
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionError,
        HTTPClientError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, S3UploadFailedError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ClientError):
            mapped = map_error(cause, key=key, action=action)
            if isinstance(mapped, DocumentNotFound):  # e.g. NoSuchUpload: an upload went away
                return StorageUnavailable(detail=detail)
            return mapped
        return StorageUnavailable(detail=detail)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return StorageError(
            "no storage credentials were found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            detail=detail,
        )
    if isinstance(exc, ConnectionError | HTTPClientError):
        return StorageUnavailable(detail=detail)
    if isinstance(exc, ClientError):
        code, status = error_code(exc)
        if status >= 500 or code in _RETRYABLE_CODES:
            return StorageUnavailable(detail=detail)
        if key is not None and (code in _NOT_FOUND_CODES or status == 404):
            return DocumentNotFound(key)
        if code == "NoSuchBucket":
            return StorageError("the storage bucket does not exist; run `dragonfly storage init`", detail=detail)
        if status == 403 or code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}:
            return StorageError(
                f"access to the storage bucket was denied ({code or status}); "
                "check the credentials and the bucket policy",
                detail=detail,
            )
        return StorageError(f"the storage service refused to {action} the document", detail=detail)
    if isinstance(exc, BotoCoreError | OSError):
        return StorageUnavailable(detail=detail)
    return StorageError(f"unexpected storage error: {exc}", detail=detail)
