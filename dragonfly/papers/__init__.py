"""Papers: enforcement documents drafted from a case's facts (issue 17).

Each paper is a Word template (`.docx` with Jinja fields, filled by docxtpl) in the firm's
templates folder (`DRAGONFLY_TEMPLATES`; unset: the bundled samples in `templates/`, built by
`samples.py` with Dragonfly's own placeholder wording for counsel to replace), plus one data
function in `data.py` that reads the case and refuses when a fact the paper states is missing.
A drafted paper is filed on the case as a document of kind `draft`: stored like any document,
never accepted as proof of a step (the served copy is the proof).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dragonfly.errors import InvalidInput
from dragonfly.papers import data
from dragonfly.papers.facts import CaseFacts

DataFunction = Callable[[CaseFacts, "str | None"], dict[str, object]]


@dataclass(frozen=True)
class Paper:
    name: str
    title: str
    template: str  # file name in the templates folder
    data: DataFunction
    recipient: str  # what the optional [recipient] argument names


PAPERS: dict[str, Paper] = {
    p.name: p
    for p in (
        Paper(
            "subpoena",
            "Information subpoena with restraining notice (CPLR 5224, 5222)",
            "information_subpoena_restraining_notice.docx",
            data.subpoena,
            "the garnishee",
        ),
        Paper(
            "exemption",
            "Exemption notice and exemption claim forms (CPLR 5222-a)",
            "exemption_notice_and_claim_forms.docx",
            data.exemption,
            "the garnishee",
        ),
        Paper(
            "property-execution",
            "Property execution (CPLR 5230)",
            "property_execution.docx",
            data.property_execution,
            "the marshal or sheriff",
        ),
        Paper(
            "income-execution",
            "Income execution (CPLR 5231)",
            "income_execution.docx",
            data.income_execution,
            "the marshal or sheriff",
        ),
        Paper(
            "transmittal",
            "Transmittal letter to the marshal or sheriff",
            "officer_transmittal_letter.docx",
            data.transmittal,
            "the marshal or sheriff",
        ),
        Paper("payoff", "Payoff (balance) letter", "payoff_letter.docx", data.payoff, "an attention line"),
    )
}

# The papers a workflow step is served or delivered with (DOMAIN.md "Workflows"): the "Draft"
# buttons. Keys are (workflow kind, state the step leads to).
PAPERS_FOR_STEP: dict[tuple[str, str], tuple[str, ...]] = {
    ("information_subpoena", "served"): ("subpoena",),
    ("restraining_notice", "served"): ("subpoena", "exemption"),
    ("levy", "issued"): ("property-execution",),
    ("levy", "delivered_to_officer"): ("transmittal",),
    ("garnishment", "issued"): ("income-execution",),
    ("garnishment", "delivered"): ("transmittal",),
    ("marshal", "sent"): ("transmittal",),
}


def paper(name: str) -> Paper:
    """The paper called `name` ('income-execution', 'income_execution' ...), or a clear refusal."""
    key = (name or "").strip().lower().replace("_", "-")
    found = PAPERS.get(key)
    if found is None:
        raise InvalidInput(
            f'"{name}" is not a paper Dragonfly drafts',
            f"Choose one of: {', '.join(PAPERS)}.",
        )
    return found
