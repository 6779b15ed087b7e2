"""The CLI reports every engine refusal in one place (dragonfly/cli/common.py CommandGroup): one
sentence on stderr and exit 1, nothing changed."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from dragonfly.cli import app


def _cli(db_url: str, tmp_path, *args: str):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": db_url, "DRAGONFLY_HOME": str(tmp_path / "home"), "DRAGONFLY_ADMINS": ""}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def test_bad_input_is_a_sentence_and_exit_1(db_url, tmp_path, engine) -> None:  # type: ignore[no-untyped-def]
    result = _cli(db_url, tmp_path, "users", "grant", "U0123ABCD", "wizard")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "wizard" in result.output
    result = _cli(db_url, tmp_path, "plan", "set", "2026-12", "lots")
    assert result.exit_code == 1, result.output
    assert "lots" in result.output and "Traceback" not in result.output
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM app_users")).scalar_one() == 0


def test_other_refusals_too(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = _cli(db_url, tmp_path, "case", "show", "DF-999999")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
