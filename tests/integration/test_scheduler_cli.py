"""`dragonfly jobs list` and `dragonfly jobs run NAME --at ... --dry-run` print without queuing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from typer.testing import CliRunner

from dragonfly import rpc
from dragonfly.cli import jobs
from tests.conftest import judgment

NY = ZoneInfo("America/New_York")


def test_jobs_list_and_dry_run(db_url, engine, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DRAGONFLY_HOME", str(tmp_path))
    monkeypatch.setenv("DRAGONFLY_ADMINS", "")
    with rpc.transaction(engine) as conn:
        rpc.set_clock(conn, datetime(2026, 11, 20, 10, tzinfo=NY))
        ref = rpc.create_enforcement_case(conn, **judgment(owner="U0CLI"))["case_ref"]
        rpc.set_next_action(
            conn,
            case_ref=ref,
            at=datetime(2026, 11, 25, 9, tzinfo=NY),
            what="call the marshal",
            actor="cli:test",
        )
    runner = CliRunner()
    listed = runner.invoke(jobs.app, ["list"])
    assert listed.exit_code == 0, listed.output
    assert "digest" in listed.output and "30 8 * * mon-fri" in listed.output
    run = runner.invoke(jobs.app, ["run", "digest", "--at", "2026-12-01T08:30", "--dry-run"])
    assert run.exit_code == 0, run.output
    assert "dry_run" in run.output and "call the marshal" in run.output and ref in run.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM v_outbox")).scalar_one() == 0
    queued = runner.invoke(jobs.app, ["run", "digest", "--at", "2026-12-01T08:30"])
    assert "queued, 2 message(s)" in queued.output
    again = runner.invoke(
        jobs.app,
        [
            "run",
            "digest",
            "--at",
            (datetime(2026, 12, 1, 9, tzinfo=NY) + timedelta(minutes=1)).isoformat(),
        ],
    )
    assert "already_claimed" in again.output
    bad = runner.invoke(jobs.app, ["run", "nope"])
    assert bad.exit_code != 0
