"""The boto3 client and transfer settings the S3 store (storage/s3.py) uses by default."""

from __future__ import annotations

import os
from typing import Any

PART_SIZE = 8 * 1024 * 1024


def default_transfer_config() -> Any:
    """8 MB parts, 4 parts in flight, at most 4 parts buffered: memory stays near 64 MB."""
    from boto3.s3.transfer import TransferConfig

    config = TransferConfig(
        multipart_threshold=PART_SIZE,
        multipart_chunksize=PART_SIZE,
        max_concurrency=4,
        use_threads=True,
    )
    # Bounds the parts read ahead from a non-seekable stream (s3transfer's default is 10).
    config.max_in_memory_upload_chunks = 4
    return config


def default_client() -> Any:
    """A boto3 S3 client from the standard AWS variables, failing fast when the endpoint is down.

    `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` are read by boto3 itself; `AWS_S3_ADDRESSING_STYLE`
    (``path`` or ``virtual``) is honoured here, defaulting to ``path`` when an endpoint is set,
    which is what MinIO and most S3-compatible services want.
    """
    import boto3
    from botocore.config import Config

    style = os.environ.get("AWS_S3_ADDRESSING_STYLE")
    if not style:
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        style = "path" if endpoint else "auto"
    config = Config(
        connect_timeout=3,
        read_timeout=30,
        retries={"total_max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": style},
        signature_version="s3v4",
    )
    return boto3.session.Session().client("s3", config=config)
