"""Drafting a paper for a case, and filing the draft on the case through the evidence gate.

The draft is stored like any document (bytes first, then the row with its sha256, in one
transaction with whatever the caller records alongside, e.g. the Slack post in the outbox), as
kind `draft`, which `require_document` in SQL never accepts as proof of a step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from dragonfly import evidence
from dragonfly.bootstrap import Services
from dragonfly.papers import Paper, facts, paper
from dragonfly.papers.render import render, templates_dir
from dragonfly.settings import Settings

DRAFT_KIND = "draft"


@dataclass(frozen=True)
class Drafted:
    paper: Paper
    case_ref: str
    filename: str
    content: bytes
    fields: dict[str, object]


def draft(*, session: Session, settings: Settings, case_ref: str, paper_name: str, recipient: str | None) -> Drafted:
    """Fill one paper from the case; refuses (PaperRefused) when a fact it states is missing."""
    p = paper(paper_name)
    f = facts.load(session=session, case_ref=case_ref)
    fields = p.data(f, (recipient or "").strip() or None)
    content = render(templates_dir(settings), p, fields)
    filename = f"{f.case.case_ref}-{p.name}-draft-{f.today.isoformat()}.docx"
    return Drafted(paper=p, case_ref=f.case.case_ref, filename=filename, content=content, fields=fields)


def file_draft(
    services: Services,
    *,
    case_ref: str,
    paper_name: str,
    recipient: str | None,
    actor: str,
    source: str = "slack",
    before: Callable[[Connection], None] | None = None,
    after: Callable[[Connection, Drafted, int], Any] | None = None,
) -> tuple[Drafted, evidence.Recorded]:
    """Draft the paper and file it on the case as a `draft` document.

    `before` runs first in the recording transaction (e.g. claim the request key); `after` runs
    last in it, with the document id (e.g. queue the Slack post), so all or nothing is recorded.
    """
    with Session(services.engine) as session:
        drafted = draft(
            session=session, settings=services.settings, case_ref=case_ref, paper_name=paper_name, recipient=recipient
        )

    def step(conn: Connection, document_id: int) -> Any:
        return after(conn, drafted, document_id) if after is not None else None

    recorded = evidence.record_with_document(
        services,
        case_ref=drafted.case_ref,
        kind=DRAFT_KIND,
        stream=BytesIO(drafted.content),
        filename=drafted.filename,
        uploader=actor,
        step=step,
        source=source,
        before_step=before,
    )
    return drafted, recorded
