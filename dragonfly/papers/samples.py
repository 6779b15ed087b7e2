"""Builds the bundled SAMPLE templates (dragonfly/papers/templates/*.docx) with python-docx.

The wording is Dragonfly's own placeholder text, written for this project and plainly marked as
a sample on every page: it shows where each case fact goes, it is not approved legal text, and
no official or third-party form text is copied. The firm's counsel replaces each file with
approved wording (keeping the {{ fields }}) in the folder named by DRAGONFLY_TEMPLATES.

Regenerate after editing this module:  python -m dragonfly.papers.samples [folder]
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

SAMPLE_BANNER = (
    "SAMPLE TEMPLATE - Dragonfly placeholder wording, not approved legal text. "
    "Counsel must replace this template before any paper is signed or served."
)
CAPTION = [
    "{{ court | upper }}",
    "COUNTY OF {{ county | upper }}",
    "{{ plaintiff }}, Judgment Creditor,",
    "against",
    "{{ debtor }}, Judgment Debtor.",
    "Index No. {{ index_number }}   ·   Dragonfly case {{ case_ref }}",
]
JUDGMENT = (
    "A money judgment was entered in this action on {{ entered_on }} for principal of {{ principal }} "
    "and costs of {{ costs }}. Payments credited so far total {{ payments_total }}. Interest accrues at "
    "{{ interest_rate }} a year on unpaid principal (basis: {{ interest_basis }}); unpaid interest to {{ today }} "
    "is {{ interest }}."
)
AMOUNTS = [
    "Unpaid principal: {{ unpaid_principal }}",
    "Interest to {{ today }}: {{ interest }}",
    "Unpaid costs: {{ unpaid_costs }}",
    "Balance due on {{ today }}: {{ balance }}",
]
RE_LINE = (
    "Re: {{ plaintiff }} v. {{ debtor }}, {{ court }}, {{ county }} County, Index No. {{ index_number }} "
    "(our ref. {{ case_ref }})"
)
SIGNATURE = [
    "Dated: {{ today }}",
    "______________________________",
    "[Name, address and telephone of the attorney for the judgment creditor - counsel to complete]",
]

# Each block is (style, text): "title", "h" (heading), "p" (paragraph), "b" (bold paragraph),
# "caption", "amounts", "signature", "if-attention", "loop-payments".
Block = tuple[str, str]

TEMPLATES: dict[str, list[Block]] = {
    "information_subpoena_restraining_notice.docx": [
        ("title", "Information Subpoena with Restraining Notice (sample)"),
        ("caption", ""),
        ("p", "To: {{ garnishee }}, {{ garnishee_address_line }}"),
        ("h", "Information subpoena (CPLR 5224)"),
        ("p", JUDGMENT),
        (
            "p",
            "This sample subpoena asks you to answer, in writing and under oath, the questions attached "
            "about any property or debt you hold for or owe to {{ debtor }} ({{ debtor_kind }}, last known "
            "address: {{ debtor_address_line }}), and to return the answers to the attorney below within "
            "the time the law allows.",
        ),
        ("h", "Restraining notice (CPLR 5222)"),
        (
            "p",
            "Sample wording: until further notice you should not transfer, pay over or otherwise dispose of "
            "property of the judgment debtor in your hands, or debts you owe to the judgment debtor, up to "
            "{{ restrain_amount }} (twice the balance of {{ balance }} due on {{ today }}), except as the law permits.",
        ),
        ("amounts", ""),
        ("signature", ""),
    ],
    "exemption_notice_and_claim_forms.docx": [
        ("title", "Exemption Notice and Exemption Claim Forms (sample)"),
        ("caption", ""),
        ("p", "To the judgment debtor: {{ debtor }}, {{ debtor_address_line }}"),
        ("h", "Exemption notice (CPLR 5222-a)"),
        (
            "p",
            "Sample wording: your account at {{ garnishee }} may have been restrained to collect the judgment "
            "described below. Some money is protected by law, for example certain benefits, and "
            "{{ exempt_amount }} of a person's account ({{ exempt_amount_why }}). If you believe money in the "
            "account is protected, complete one of the claim forms that follow and send copies as they direct.",
        ),
        ("p", JUDGMENT),
        ("amounts", ""),
        ("h", "Exemption claim form 1 of 2 (sample)"),
        (
            "p",
            "Judgment debtor: {{ debtor }}   ·   Account held at: {{ garnishee }}   ·   Index No. {{ index_number }}",
        ),
        ("p", "I state that money in the account is protected because (describe the source): ______________________"),
        ("p", "Signature of the judgment debtor: ______________________   Date: __________"),
        ("h", "Exemption claim form 2 of 2 (sample)"),
        (
            "p",
            "Judgment debtor: {{ debtor }}   ·   Account held at: {{ garnishee }}   ·   Index No. {{ index_number }}",
        ),
        (
            "p",
            "Second copy, for the attorney for the judgment creditor. "
            "Reason the money is protected: ______________________",
        ),
        ("p", "Signature of the judgment debtor: ______________________   Date: __________"),
        ("signature", ""),
    ],
    "property_execution.docx": [
        ("title", "Execution Against Property (sample)"),
        ("caption", ""),
        ("p", "To: {{ officer }}{% if officer_address_line %}, {{ officer_address_line }}{% endif %}"),
        ("h", "Execution (CPLR 5230)"),
        ("p", JUDGMENT),
        (
            "p",
            "Sample wording: you are directed to satisfy the judgment out of the personal and real property of "
            "{{ debtor }} ({{ debtor_kind }}, last known address: {{ debtor_address_line }}), to the amount "
            "stated below with interest from {{ today }} at {{ per_diem }} a day, and to return this execution "
            "within the time the law allows.",
        ),
        ("amounts", ""),
        ("signature", ""),
    ],
    "income_execution.docx": [
        ("title", "Income Execution (sample)"),
        ("caption", ""),
        ("p", "To: {{ officer }}{% if officer_address_line %}, {{ officer_address_line }}{% endif %}"),
        ("p", "Judgment debtor: {{ debtor }}, {{ debtor_address_line }}"),
        ("p", "Employer: {{ employer }}, {{ employer_address_line }}"),
        ("h", "Income execution (CPLR 5231)"),
        ("p", JUDGMENT),
        (
            "p",
            "Sample wording: the judgment debtor is asked to pay installments of up to {{ gross_share }} of "
            "gross wages ({{ gross_share_why }}). If the debtor does not, the employer is to deduct and remit "
            "them to the officer, leaving the debtor at least {{ weekly_floor }} a week of disposable earnings "
            "({{ weekly_floor_why }}), until the balance below is paid.",
        ),
        ("amounts", ""),
        ("signature", ""),
    ],
    "officer_transmittal_letter.docx": [
        ("title", "Transmittal Letter (sample)"),
        ("p", "{{ today }}"),
        ("p", "{{ officer }}\n{{ officer_address }}"),
        ("p", RE_LINE),
        (
            "p",
            "Sample wording: we enclose the execution in this matter for enforcement. The judgment was entered "
            "on {{ entered_on }}; the judgment debtor's last known address is {{ debtor_address_line }}. "
            "The balance due, computed as of today, is:",
        ),
        ("amounts", ""),
        (
            "p",
            "Interest continues at {{ interest_rate }} a year ({{ per_diem }} a day; basis: {{ interest_basis }}). "
            "Please send your docket "
            "number and any levy notice to the undersigned, quoting our reference {{ case_ref }}.",
        ),
        ("signature", ""),
    ],
    "payoff_letter.docx": [
        ("title", "Payoff Letter (sample)"),
        ("p", "{{ today }}"),
        ("p", "{{ addressee }}\n{{ debtor_address }}"),
        ("if-attention", ""),
        ("p", RE_LINE),
        ("p", "Sample wording: as requested, this is the amount needed to pay the judgment in full as of {{ today }}."),
        ("p", JUDGMENT),
        ("amounts", ""),
        ("b", "Payments credited"),
        ("loop-payments", ""),
        (
            "p",
            "After {{ today }} interest adds {{ per_diem }} for each day until payment is received. Please "
            "call before paying so the figure can be confirmed.",
        ),
        ("signature", ""),
    ],
}


def _paragraph(
    doc: WordDocument, text: str, *, bold: bool = False, size: int | None = None, centered: bool = False
) -> None:
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)  # one run per field line keeps each {{ tag }} intact
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if centered:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(2)


def build(name: str, blocks: Sequence[Block]) -> WordDocument:
    """One sample template as a python-docx Document."""
    doc = Document()
    header = doc.sections[0].header.paragraphs[0]
    header.text = SAMPLE_BANNER
    header.runs[0].bold = True
    props = doc.core_properties
    props.title = f"Dragonfly sample template: {name}"
    props.comments = SAMPLE_BANNER
    props.author = "Dragonfly (sample)"
    props.created = props.modified = datetime(2026, 1, 1, tzinfo=UTC)
    props.revision = 1
    _paragraph(doc, SAMPLE_BANNER, bold=True, size=9)
    for style, text in blocks:
        if style == "title":
            doc.add_heading(text, level=1)
        elif style == "h":
            doc.add_heading(text, level=2)
        elif style == "caption":
            for line in CAPTION:
                _paragraph(doc, line, centered=True)
        elif style == "amounts":
            for line in AMOUNTS:
                _paragraph(doc, line, bold=line.startswith("Balance"))
        elif style == "signature":
            for line in SIGNATURE:
                _paragraph(doc, line)
        elif style == "if-attention":
            _paragraph(doc, "{%p if attention %}")
            _paragraph(doc, "Attention: {{ attention }}")
            _paragraph(doc, "{%p endif %}")
        elif style == "loop-payments":
            # {%p %} tags stand alone in their paragraph; docxtpl drops those paragraphs.
            _paragraph(doc, "{%p for p in payments %}")
            _paragraph(doc, "{{ p.date }}: {{ p.amount }} ({{ p.kind }})")
            _paragraph(doc, "{%p endfor %}")
            _paragraph(doc, "{%p if not payments %}")
            _paragraph(doc, "No payments have been credited.")
            _paragraph(doc, "{%p endif %}")
        else:
            _paragraph(doc, text, bold=style == "b")
    return doc


def write_all(folder: Path) -> list[Path]:
    """Write every sample template into `folder`; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, blocks in TEMPLATES.items():
        path = folder / name
        build(name, blocks).save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "templates"
    for p in write_all(target):
        print(p)
