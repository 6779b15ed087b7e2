"""`dragonfly import plaintiffs`: the client list, upserted on the name."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from dragonfly import db, importer
from dragonfly.cli import imports


def run(db_url: str, tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {"DATABASE_URL": db_url, "DRAGONFLY_HOME": str(tmp_path / "home"), "DRAGONFLY_ADMINS": ""}
    return CliRunner().invoke(imports.app, list(args), env=env)


def plaintiffs(db_url: str) -> list[tuple]:
    with db.connect(db_url) as conn:
        return conn.execute(
            "SELECT name, contact, external_ref FROM plaintiffs ORDER BY name"
        ).fetchall()


def test_import_update_and_reimport(db_url, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(
        b'\xef\xbb\xbfName,Contact,External_Ref\r\n"Acme Funding, LLC",ops@acme.test,A-1\r\n'
        b"Beta Capital,,B-2\r\n"
    )
    first = run(db_url, tmp_path, "plaintiffs", str(path))
    assert first.exit_code == 0, first.output
    assert "2 plaintiffs created" in first.output
    assert plaintiffs(db_url) == [
        ("Acme Funding, LLC", "ops@acme.test", "A-1"),
        ("Beta Capital", None, "B-2"),
    ]

    again = run(db_url, tmp_path, "plaintiffs", str(path))
    assert (
        again.exit_code == 0
        and "0 plaintiffs created" in again.output
        and "2 already present" in again.output
    )

    path.write_text("name,contact\nbeta  capital,desk@beta.test\n")
    upd = run(db_url, tmp_path, "plaintiffs", str(path))
    assert upd.exit_code == 0 and "1 updated" in upd.output
    assert plaintiffs(db_url)[1] == ("Beta Capital", "desk@beta.test", "B-2")


def test_bad_rows_block_unless_partial(db_url, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "name,contact\nAcme,a@x.test\n,orphan@x.test\nACME ,dup@x.test\nGamma,g@x.test\n"
    )
    report = importer.import_plaintiffs(url=db_url, path=path, actor="cli:test")
    assert [(p.line, p.column) for p in report.problems] == [(2, "name"), (3, "name"), (4, "name")]
    assert report.blocked and plaintiffs(db_url) == []
    dry = importer.import_plaintiffs(
        url=db_url, path=path, actor="cli:test", dry_run=True, partial=True
    )
    assert dry.to_create == 1 and plaintiffs(db_url) == []
    partial = importer.import_plaintiffs(url=db_url, path=path, actor="cli:test", partial=True)
    assert partial.created == 1 and plaintiffs(db_url) == [("Gamma", "g@x.test", None)]


def test_missing_name_column(db_url, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("client,contact\nAcme,a@x.test\n")
    result = run(db_url, tmp_path, "plaintiffs", str(path))
    assert result.exit_code == 2 and "required column missing: name" in result.output
