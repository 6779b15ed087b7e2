"""Filling a paper's Word template, and checking every template against a demo case.

Rendering is strict: a field the template names that the paper's data does not give fails
(jinja2's StrictUndefined while filling, docxtpl's undeclared-variable scan in `check`), so a
template with a typo or a field from another paper never prints a blank where a number belongs.
Values are escaped for Word's XML (autoescape), so "Smith & Sons" cannot break the document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError

from dragonfly.errors import InvalidInput
from dragonfly.papers import PAPERS, Paper
from dragonfly.papers.demo import demo_facts
from dragonfly.settings import Settings

BUNDLED = Path(__file__).parent / "templates"


def templates_dir(settings: Settings) -> Path:
    """The firm's templates folder (DRAGONFLY_TEMPLATES), else the bundled samples."""
    return settings.dragonfly_templates.expanduser() if settings.dragonfly_templates else BUNDLED


def _env() -> Environment:
    return Environment(undefined=StrictUndefined, autoescape=True)


def _template(folder: Path, paper: Paper) -> DocxTemplate:
    path = folder / paper.template
    if not path.is_file():
        raise InvalidInput(
            f"The template for the {paper.name} paper is missing: {path}",
            "Put the firm's .docx there, or unset DRAGONFLY_TEMPLATES to use the bundled samples.",
        )
    return DocxTemplate(str(path))


def render(folder: Path, paper: Paper, context: dict[str, object]) -> bytes:
    """The filled .docx bytes; InvalidInput if the template names a field the paper lacks."""
    tpl = _template(folder, paper)
    unknown = sorted(tpl.get_undeclared_template_variables(_env(), context))
    if unknown:
        raise InvalidInput(
            f"The {paper.name} template ({paper.template}) uses unknown field(s): {', '.join(unknown)}",
            "Fix the template; `dragonfly papers check` lists the fields each paper has.",
        )
    try:
        tpl.render(context, _env(), autoescape=True)
    except TemplateError as exc:
        raise InvalidInput(
            f"The {paper.name} template ({paper.template}) cannot be filled: {exc}",
            "Fix the template; `dragonfly papers check` shows the problem on a demo case.",
        ) from None
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class CheckResult:
    paper: str
    template: str
    ok: bool
    problem: str = ""
    fields: tuple[str, ...] = ()


def check(folder: Path) -> list[CheckResult]:
    """Render every paper's template against the demo case; one result per paper."""
    facts = demo_facts()
    results = []
    for p in PAPERS.values():
        context = p.data(facts, None)
        try:
            render(folder, p, context)
            results.append(CheckResult(p.name, p.template, True, fields=tuple(sorted(context))))
        except InvalidInput as exc:
            results.append(CheckResult(p.name, p.template, False, problem=exc.message, fields=tuple(sorted(context))))
    return results
