"""A process killed in the middle of a multipart upload leaves its parts in the bucket;
`dragonfly doctor` reports it and `dragonfly storage gc --apply` aborts it (issue 10, item 8).

The upload is a real `S3Store.put` of a 40 MB document in a child process, against moto's server
on loopback; the child is killed with SIGKILL once S3 lists its upload, so nothing could abort it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import pytest

from dragonfly import db
from dragonfly.bootstrap import Services
from dragonfly.doctor import check_orphans
from dragonfly.orphans import gc

pytest_plugins = ["tests.integration.s3_fixtures"]

CHILD = textwrap.dedent(
    """
    import sys, time
    from tests.integration.s3_fixtures import make_s3_client
    from storage.s3 import S3Store

    class Stalls:
        # A PDF that streams 20 MB (past the single-PUT size, so parts go up), then hangs.
        def __init__(self):
            self.sent = 0
        def read(self, size=-1):
            if self.sent >= 20 * 1024 * 1024:
                time.sleep(3600)
            n = 1024 * 1024 if size is None or size < 0 else min(size, 1024 * 1024)
            chunk = (b"%PDF-1.4\\n" + b"0" * (n - 9)) if self.sent == 0 else b"0" * n
            self.sent += len(chunk)
            return chunk

    endpoint, bucket = sys.argv[1], sys.argv[2]
    store = S3Store(bucket, "docs", client=make_s3_client(endpoint), max_bytes=100 * 1024 * 1024)
    print("uploading", flush=True)
    store.put(Stalls(), case_ref="DF-1001", kind="levy_notice", filename="big.pdf", uploader="U0OFFICER")
    """
)


def _kill_mid_upload(moto_server: str, bucket: str, s3_client) -> str:  # type: ignore[no-untyped-def]
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    child = subprocess.Popen([sys.executable, "-c", CHILD, moto_server, bucket], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            uploads = s3_client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
            if uploads and s3_client.list_parts(
                Bucket=bucket, Key=uploads[0]["Key"], UploadId=uploads[0]["UploadId"]
            ).get("Parts"):
                break
            assert child.poll() is None, "the uploading process ended before its upload started"
            time.sleep(0.1)
        else:
            pytest.fail("no multipart upload appeared within 60 s")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    return str(uploads[0]["Key"])


def test_a_killed_multipart_upload_is_reported_then_aborted(
    settings, db_url, moto_server, s3_bucket, s3_client, monkeypatch
):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    key = _kill_mid_upload(moto_server, s3_bucket, s3_client)
    assert key.startswith("docs/cases/DF-1001/")
    assert s3_client.list_objects_v2(Bucket=s3_bucket).get("KeyCount", 0) == 0  # no object, only parts
    svc = Services(
        settings=settings.model_copy(update={"storage_url": f"s3://{s3_bucket}/docs", "dragonfly_orphan_grace": "0s"}),
        database_url=db_url,
        engine=db.make_engine(db_url),
    )
    try:
        report = check_orphans(svc)
        assert not report.ok
        assert any(
            line.startswith(key[len("docs/") :] + ": incomplete multipart upload started") for line in report.details
        )
        # An upload younger than the cutoff may still be on its way: left alone.
        young = gc(svc, timedelta(days=1), apply=True)
        assert young.stalled == [] and young.aborted == []
        assert len(s3_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])) == 1
        dry = gc(svc, timedelta(0))
        assert [u.key for u in dry.stalled] == [key[len("docs/") :]] and dry.aborted == []
        done = gc(svc, timedelta(0), apply=True)
        assert done.aborted == [key[len("docs/") :]] and done.failed == []
        assert s3_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
        assert check_orphans(svc).ok
    finally:
        svc.close()


def test_storage_gc_command_lists_then_aborts_a_killed_upload(
    db_url, tmp_path, moto_server, s3_bucket, s3_client, monkeypatch
):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from dragonfly.cli import storagecmd

    key = _kill_mid_upload(moto_server, s3_bucket, s3_client)[len("docs/") :]
    for name, value in {
        "AWS_ENDPOINT_URL": moto_server,
        "DATABASE_URL": db_url,
        "DRAGONFLY_HOME": str(tmp_path),
        "STORAGE_URL": f"s3://{s3_bucket}/docs",
        "DRAGONFLY_ADMINS": "",
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    dry = runner.invoke(storagecmd.app, ["gc", "--older-than", "0s"])
    assert dry.exit_code == 0, dry.output
    assert f"would abort the incomplete upload of {key}" in dry.output
    assert "0 unreferenced object(s) and 1 incomplete upload(s) older than 0s; run again with --apply" in dry.output
    assert len(s3_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", [])) == 1
    done = runner.invoke(storagecmd.app, ["gc", "--older-than", "0s", "--apply"])
    assert done.exit_code == 0, done.output
    assert f"aborted the incomplete upload of {key}" in done.output
    assert "aborted 1 of 1 incomplete upload(s)" in done.output
    assert s3_client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
