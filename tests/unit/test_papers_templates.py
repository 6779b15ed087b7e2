"""The paper templates without a database: every bundled sample fills from the demo case, the
samples are what `dragonfly.papers.samples` builds, and a template with an unknown field (or a
misspelt attribute inside a loop) fails `dragonfly papers check`."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from docx import Document
from typer.testing import CliRunner

from dragonfly.cli import app
from dragonfly.papers import PAPERS
from dragonfly.papers.demo import demo_facts
from dragonfly.papers.render import BUNDLED, check, render
from dragonfly.papers.samples import SAMPLE_BANNER, write_all


def texts(path: Path) -> list[str]:
    doc = Document(str(path))
    return [p.text for p in doc.sections[0].header.paragraphs] + [p.text for p in doc.paragraphs]


def broken(folder: Path, template: str, line: str) -> None:
    doc = Document()
    doc.add_paragraph("Index No. {{ index_number }}")
    doc.add_paragraph(line)
    doc.save(str(folder / template))


def test_bundled_samples_fill_and_are_marked_as_samples() -> None:
    results = check(BUNDLED)
    assert [r.paper for r in results] == list(PAPERS) and all(r.ok for r in results), results
    for p in PAPERS.values():
        lines = texts(BUNDLED / p.template)
        assert lines[0] == SAMPLE_BANNER and SAMPLE_BANNER in lines[1:]


def test_bundled_samples_are_built_by_the_project(tmp_path: Path) -> None:
    write_all(tmp_path)
    for p in PAPERS.values():
        assert texts(tmp_path / p.template) == texts(BUNDLED / p.template), p.template


def test_unknown_field_fails_check_and_the_cli(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED, tmp_path, dirs_exist_ok=True)
    broken(tmp_path, PAPERS["payoff"].template, "Shoe size: {{ debtor_shoe_size }}")
    results = {r.paper: r for r in check(tmp_path)}
    assert not results["payoff"].ok and "debtor_shoe_size" in results["payoff"].problem
    assert all(r.ok for name, r in results.items() if name != "payoff")
    out = CliRunner().invoke(app, ["papers", "check", "--templates", str(tmp_path)])
    assert out.exit_code == 1 and "debtor_shoe_size" in out.output and "FAILED" in out.output
    ok = CliRunner().invoke(app, ["papers", "check", "--templates", str(BUNDLED)])
    assert ok.exit_code == 0 and "All 6 templates" in ok.output


def test_misspelt_attribute_in_a_loop_fails(tmp_path: Path) -> None:
    shutil.copytree(BUNDLED, tmp_path, dirs_exist_ok=True)
    broken(tmp_path, PAPERS["payoff"].template, "{% for p in payments %}{{ p.amout }}{% endfor %}")
    result = {r.paper: r for r in check(tmp_path)}["payoff"]
    assert not result.ok and "amout" in result.problem


def test_missing_template_is_a_clear_failure(tmp_path: Path) -> None:
    results = {r.paper: r for r in check(tmp_path)}
    assert not results["subpoena"].ok and "template for the subpoena paper is missing" in results["subpoena"].problem


def test_values_are_escaped_for_word(tmp_path: Path) -> None:
    facts = demo_facts()
    p = PAPERS["payoff"]
    context = p.data(facts, "Smith & Sons <legal>")
    doc = Document(io.BytesIO(render(BUNDLED, p, context)))
    assert "Attention: Smith & Sons <legal>" in [x.text for x in doc.paragraphs]


def test_demo_command_writes_a_paper(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["papers", "demo", "transmittal", "--out", str(tmp_path / "t.docx")])
    assert out.exit_code == 0, out.output
    assert "Marshal Pat Demo" in "\n".join(p.text for p in Document(str(tmp_path / "t.docx")).paragraphs)
    bad = CliRunner().invoke(app, ["papers", "demo", "summons", "--out", str(tmp_path / "x.docx")])
    assert bad.exit_code == 1 and "is not a paper" in bad.output and not (tmp_path / "x.docx").exists()
