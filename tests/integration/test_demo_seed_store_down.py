"""`dragonfly demo seed` with the document store unreachable: one sentence, exit 1, nothing
written (it used to print progress lines and then a botocore traceback)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


def test_seed_checks_the_store_first(db_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DRAGONFLY_HOME": str(tmp_path),
        "STORAGE_URL": "s3://dragonfly-demo-docs",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "COLUMNS": "400",
    }
    cli = Path(sys.executable).with_name("dragonfly")
    t0 = time.monotonic()
    r = subprocess.run(
        [str(cli), "demo", "seed", "--cases", "20"], env=env, capture_output=True, text=True, timeout=120
    )
    said = (r.stdout + r.stderr).strip()
    assert r.returncode == 1, said
    assert "Traceback" not in said and "botocore" not in said, said
    assert said.startswith("The document store (s3://dragonfly-demo-docs) is unreachable"), said
    assert "nothing was seeded" in said and len(said.splitlines()) == 1, said
    assert time.monotonic() - t0 < 60
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM enforcement_cases").fetchone() == (0,)
