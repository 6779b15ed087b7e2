"""A real S3 API on loopback for tests: moto's server mode, reached by boto3 over HTTP.

Use it from a test module with ``pytest_plugins = ["tests.integration.s3_fixtures"]``
(or from a conftest). Fixtures:

- ``moto_server`` (session): starts ``ThreadedMotoServer`` on 127.0.0.1 with a free port and
  yields its endpoint URL, e.g. ``http://127.0.0.1:53122``.
- ``s3_client``: a boto3 S3 client for that endpoint with dummy credentials.
- ``s3_bucket``: a new, uniquely named, empty bucket for one test (its name).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def make_s3_client(endpoint_url: str, **config: Any) -> Any:
    """A boto3 S3 client against `endpoint_url` with dummy credentials and short timeouts."""
    import boto3
    from botocore.config import Config

    options: dict[str, Any] = {
        "connect_timeout": 2,
        "read_timeout": 30,
        "retries": {"total_max_attempts": 3, "mode": "standard"},
        "s3": {"addressing_style": "path"},
    }
    options.update(config)
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=DUMMY_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_ENV["AWS_SECRET_ACCESS_KEY"],
        region_name=DUMMY_ENV["AWS_DEFAULT_REGION"],
        config=Config(**options),
    )


def unique_bucket_name(stem: str = "test") -> str:
    return f"{stem}-{uuid.uuid4().hex[:16]}"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Start moto's S3 server on loopback once per test run; yield its endpoint URL."""
    from moto.server import ThreadedMotoServer

    for name, value in DUMMY_ENV.items():
        os.environ.setdefault(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_client(moto_server: str) -> Any:
    return make_s3_client(moto_server)


@pytest.fixture
def s3_bucket(s3_client: Any) -> Iterator[str]:
    """A fresh bucket for one test; emptied and removed afterwards."""
    name = unique_bucket_name()
    s3_client.create_bucket(Bucket=name)
    yield name
    try:
        for upload in s3_client.list_multipart_uploads(Bucket=name).get("Uploads", []):
            s3_client.abort_multipart_upload(
                Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
            )
        paginator = s3_client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=name):
            for item in page.get("Contents", []) or []:
                s3_client.delete_object(Bucket=name, Key=item["Key"])
        s3_client.delete_bucket(Bucket=name)
    except Exception:  # the server may already be gone at the end of the session
        pass
