"""Reads on the views, for cards, timelines and lists. Keyword-only, typed, one job each."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from dragonfly.views import (
    ActionView,
    CaseAddress,
    CaseLaw,
    CaseLine,
    CaseView,
    DocumentView,
    OpenBlocker,
    OwnerBreach,
    OwnerQueue,
    PaymentView,
    TimelineEvent,
)

CASE_REF = re.compile(r"^\s*(?:DF-)?(\d{1,12})\s*$", re.IGNORECASE)


def normalize_case_ref(text: str) -> str | None:
    """'df-1042', 'DF-1042' or '1042' -> 'DF-1042'; None if it is not a case id."""
    m = CASE_REF.match(text or "")
    return f"DF-{int(m.group(1))}" if m else None


def get_case(*, session: Session, case_ref: str) -> CaseView | None:
    """One case's card data, or None."""
    ref = normalize_case_ref(case_ref)
    if ref is None:
        return None
    return session.exec(select(CaseView).where(CaseView.case_ref == ref)).first()


def case_law(*, session: Session, case_ref: str) -> CaseLaw | None:
    """The law on one case as the card shows it (twenty years, exempt amount, restraints), or None."""
    ref = normalize_case_ref(case_ref)
    if ref is None:
        return None
    return session.exec(select(CaseLaw).where(CaseLaw.case_ref == ref)).first()


def timeline(
    *, session: Session, case_ref: str, limit: int | None = None, newest_first: bool = False
) -> list[TimelineEvent]:
    """A case's events in order (or newest first)."""
    order = col(TimelineEvent.seq).desc() if newest_first else col(TimelineEvent.seq)
    stmt = select(TimelineEvent).where(TimelineEvent.case_ref == case_ref).order_by(order)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt))


def open_blockers(*, session: Session, case_ref: str) -> list[OpenBlocker]:
    return list(
        session.exec(select(OpenBlocker).where(OpenBlocker.case_ref == case_ref).order_by(col(OpenBlocker.eta)))
    )


def actions(*, session: Session, case_ref: str, open_only: bool = True) -> list[ActionView]:
    stmt = select(ActionView).where(ActionView.case_ref == case_ref)
    if open_only:
        stmt = stmt.where(col(ActionView.is_open))
    return list(session.exec(stmt.order_by(col(ActionView.action_id))))


def documents(*, session: Session, case_ref: str) -> list[DocumentView]:
    return list(
        session.exec(
            select(DocumentView).where(DocumentView.case_ref == case_ref).order_by(col(DocumentView.document_id))
        )
    )


def addresses(*, session: Session, case_ref: str) -> list[CaseAddress]:
    """A case's current debtor, garnishee, employer and officer addresses."""
    stmt = select(CaseAddress).where(CaseAddress.case_ref == case_ref)
    return list(session.exec(stmt.order_by(col(CaseAddress.role), col(CaseAddress.address_id))))


def payments(*, session: Session, case_ref: str) -> list[PaymentView]:
    return list(
        session.exec(select(PaymentView).where(PaymentView.case_ref == case_ref).order_by(col(PaymentView.payment_id)))
    )


def _queue(stmt, *, owner: str, filter_: str):  # type: ignore[no-untyped-def]
    """An owner's open cases from an index: the queue (v_owner_queue), its past-due part, or the
    breached ones (v_owner_breaches)."""
    if filter_ == "breached":
        return stmt.where(OwnerBreach.owner_slack_id == owner)
    stmt = stmt.where(OwnerQueue.owner_slack_id == owner)
    if filter_ == "past-due":
        stmt = stmt.where(col(OwnerQueue.next_action_at) < func.now())
    return stmt


def my_cases(*, session: Session, owner: str, limit: int = 50, offset: int = 0, filter_: str = "all") -> list[CaseLine]:
    """A person's open cases, past due first, then by next action (`filter_`: all, past-due,
    breached). The page's ids come from an index (the owner's queue, or their breached cases) and
    only those rows are read, as list lines (v_case_lines), not whole cards."""
    src = OwnerBreach if filter_ == "breached" else OwnerQueue
    first = (
        _queue(select(src.case_id), owner=owner, filter_=filter_)
        .order_by(col(src.next_action_at).asc().nulls_first(), col(src.tier).desc(), col(src.case_number))
        .offset(offset)
        .limit(limit)
    )
    stmt = (
        select(CaseLine)
        .where(col(CaseLine.case_id).in_(first.scalar_subquery()))
        .order_by(
            col(CaseLine.next_action_at).asc().nulls_first(), col(CaseLine.tier).desc(), col(CaseLine.case_number)
        )
    )
    return list(session.exec(stmt))


def count_my_cases(*, session: Session, owner: str, filter_: str = "all") -> int:
    """How many cases my_cases would list without a limit. All of a person's open cases come from
    the totals by owner (sql/0148: O(groups), whatever the count); the filtered ones from their index."""
    if filter_ == "all":
        return int(session.execute(text("SELECT owner_open_cases(:o)"), {"o": owner}).scalar_one())
    src = OwnerBreach if filter_ == "breached" else OwnerQueue
    stmt = _queue(select(func.count()).select_from(src), owner=owner, filter_=filter_)
    return int(session.exec(stmt).one())
