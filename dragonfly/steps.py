"""The steps a document proves: what to record once it is in storage.

A legal act (serving, levying, delivering, paying) is recorded only with its document (README
"In Slack"). The bot cannot record it while the person uploads, so it writes down *which* step
the document is for; the ingestion worker stores the file and then applies that step with the
document's id. Each kind of step is one frozen dataclass here: the document kinds it accepts, its
row in `ingestion_jobs.intent` / `upload_requests.intent` (JSON tagged by `op`), how it is
recorded (through dragonfly.rpc, the sanctioned SQL functions) and how it is told to a person.
Serving an information subpoena is recorded as one act (CPLR 5224; `issue_subpoena`), so it is
its own kind of step instead of a queued workflow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Connection

from dragonfly import rpc, rules
from dragonfly.errors import DomainError
from dragonfly.transitions import Transition, Workflow, transition, workflow

# A field left out of the JSON when empty: rows written before the field existed lack it too.
OPTIONAL: Mapping[str, bool] = {"optional": True}


@dataclass(frozen=True)
class On:
    """Where and as whom a step is recorded. `key` makes a retry record once when the step has
    no key of its own (the ingestion worker passes `ingestion:<job id>`)."""

    case_ref: str
    actor: str
    document_id: int | None = None
    key: str | None = None
    exemption_document_id: int | None = None


@dataclass(frozen=True)
class Step:
    op: ClassVar[str]
    recipient_required: ClassVar[bool] = False  # the papers are addressed to someone named

    @property
    def key(self) -> str:
        """The step's name in an ingestion row's dedupe key (`<file id>:<key>`): one document
        proves one step."""
        return self.op

    @property
    def exemption_job(self) -> str | None:
        """The dedupe key of the exemption forms' own upload, which must be stored first."""
        return None

    def document_kinds(self, conn: Connection, case_ref: str | None) -> list[str]:
        """The kinds of document that prove the step, the one it is filed as by default first."""
        return []

    def reaches(self, conn: Connection, case_ref: str) -> tuple[str, str] | None:
        """(workflow kind, state) the step brings a workflow to: the papers it is served with."""
        return None

    @property
    def paper_recipient(self) -> str | None:
        """The garnishee the step's papers are addressed to, when the person typed it."""
        return None

    def waiting_for(self, conn: Connection, case_ref: str) -> str:
        """The step in "waiting for the document for ..."."""
        return self.storing(conn, case_ref)

    def storing(self, conn: Connection, case_ref: str) -> str:
        """The step in "Storing x; ... will be recorded once it is stored"."""
        return "the step"

    def apply(self, conn: Connection, on: On) -> dict[str, Any]:
        raise NotImplementedError

    def recorded(self, case_ref: str, result: Mapping[str, Any]) -> str:
        """The reply once the step is recorded."""
        return f"{case_ref}: document stored."

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("optional") and value in (None, False):
                continue
            out[f.name] = str(value) if isinstance(value, Decimal) else value
        return out


@dataclass(frozen=True)
class QueueWorkflow(Step):
    """Start a workflow whose first step is a legal act (a levy's execution, a restraint)."""

    op: ClassVar[str] = "queue"
    kind: str
    recipient: str | None = None
    note: str | None = None
    garnishee_kind: str | None = field(default=None, metadata=OPTIONAL)
    exemption_job: str | None = field(default=None, metadata=OPTIONAL)  # type: ignore[assignment]
    idempotency_key: str | None = field(default=None, metadata=OPTIONAL)

    @property
    def key(self) -> str:
        return f"{self.kind}:queue"

    def first(self, conn: Connection) -> Transition:
        first = transition(conn, kind=self.kind, from_state="")
        if first is None:
            raise DomainError(f"{self.kind} has no first step", "Pick a workflow from the list.")
        return first

    def document_kinds(self, conn: Connection, case_ref: str | None) -> list[str]:
        return self.first(conn).document_kinds

    def reaches(self, conn: Connection, case_ref: str) -> tuple[str, str] | None:
        return self.kind, self.first(conn).to_state

    @property
    def paper_recipient(self) -> str | None:
        return self.recipient if self.kind == "restraining_notice" else None

    def waiting_for(self, conn: Connection, case_ref: str) -> str:
        return f"starting a {self.kind} ({self.first(conn).to_state})"

    def storing(self, conn: Connection, case_ref: str) -> str:
        return f"the {self.kind}"

    def apply(self, conn: Connection, on: On) -> dict[str, Any]:
        return rpc.queue_enforcement_action(
            conn,
            case_ref=on.case_ref,
            kind=self.kind,
            actor=on.actor,
            document_id=on.document_id,
            recipient=self.recipient,
            note=self.note,
            idempotency_key=self.idempotency_key or on.key,
            garnishee_kind=self.garnishee_kind,
            exemption_document_id=on.exemption_document_id,
        )

    def recorded(self, case_ref: str, result: Mapping[str, Any]) -> str:
        return _workflow_now(case_ref, result, f"started ({result.get('state')})")


@dataclass(frozen=True)
class AdvanceWorkflow(Step):
    """Move a workflow to its next state (delivered, levied, served, ...)."""

    op: ClassVar[str] = "advance"
    action_id: int
    state: str
    note: str | None = None
    officer_docket: str | None = None
    garnishee_kind: str | None = field(default=None, metadata=OPTIONAL)
    exemption_job: str | None = field(default=None, metadata=OPTIONAL)  # type: ignore[assignment]

    @property
    def key(self) -> str:
        return f"advance:{self.action_id}:{self.state}"

    def transition(self, conn: Connection, case_ref: str) -> tuple[Workflow, Transition | None]:
        """The workflow and the transition this step takes it through (None: not allowed)."""
        w = workflow(conn, case_ref=case_ref, action_id=self.action_id)
        return w, transition(conn, kind=w.kind, from_state=w.state, to_state=self.state)

    def document_kinds(self, conn: Connection, case_ref: str | None) -> list[str]:
        t = self.transition(conn, case_ref or "")[1]
        return t.document_kinds if t else []

    def reaches(self, conn: Connection, case_ref: str) -> tuple[str, str] | None:
        return workflow(conn, case_ref=case_ref, action_id=self.action_id).kind, self.state

    def storing(self, conn: Connection, case_ref: str) -> str:
        kind = workflow(conn, case_ref=case_ref, action_id=self.action_id).kind
        return f"{kind} #{self.action_id} -> {self.state}"

    def apply(self, conn: Connection, on: On) -> dict[str, Any]:
        return rpc.advance_enforcement_action(
            conn,
            case_ref=on.case_ref,
            action_id=self.action_id,
            state=self.state,
            actor=on.actor,
            document_id=on.document_id,
            note=self.note,
            officer_docket=self.officer_docket,
            garnishee_kind=self.garnishee_kind,
            exemption_document_id=on.exemption_document_id,
        )

    def recorded(self, case_ref: str, result: Mapping[str, Any]) -> str:
        return _workflow_now(case_ref, result, f"is now {result.get('state')}")


@dataclass(frozen=True)
class Pay(Step):
    """A payment received (interest first, then principal, then costs: record_enforcement_payment)."""

    op: ClassVar[str] = "pay"
    amount: Decimal
    kind: str
    idempotency_key: str | None = None
    received_on: str | None = field(default=None, metadata=OPTIONAL)
    reverses: int | None = field(default=None, metadata=OPTIONAL)

    def document_kinds(self, conn: Connection, case_ref: str | None) -> list[str]:
        return list(rules.current().payment_proof_kinds)

    def waiting_for(self, conn: Connection, case_ref: str) -> str:
        return f"a ${self.amount:,.2f} {self.kind} payment"

    def storing(self, conn: Connection, case_ref: str) -> str:
        return f"the ${self.amount:,.2f} payment"

    def apply(self, conn: Connection, on: On) -> dict[str, Any]:
        return rpc.record_enforcement_payment(
            conn,
            case_ref=on.case_ref,
            amount=self.amount,
            kind=self.kind,
            idempotency_key=self.idempotency_key or on.key or "",
            actor=on.actor,
            document_id=on.document_id,
            received_on=self.received_on,  # type: ignore[arg-type]
            reverses_payment_id=self.reverses,
            require_document=on.document_id is not None,
        )

    def recorded(self, case_ref: str, result: Mapping[str, Any]) -> str:
        return f"{case_ref}: payment of ${self.amount} recorded."


@dataclass(frozen=True)
class IssueSubpoena(Step):
    """An information subpoena served (CPLR 5224): the answer is due 7 days after receipt, plus
    the mailing days when served by mail (CPLR 2103(b)(2))."""

    op: ClassVar[str] = "subpoena"
    recipient_required: ClassVar[bool] = True
    recipient: str
    by_mail: bool = field(default=False, metadata=OPTIONAL)
    served_on: str | None = field(default=None, metadata=OPTIONAL)

    def document_kinds(self, conn: Connection, case_ref: str | None) -> list[str]:
        served = transition(conn, kind="information_subpoena", from_state="drafted", to_state="served")
        return served.document_kinds if served else []

    def reaches(self, conn: Connection, case_ref: str) -> tuple[str, str] | None:
        return "information_subpoena", "served"

    @property
    def paper_recipient(self) -> str | None:
        return self.recipient

    def waiting_for(self, conn: Connection, case_ref: str) -> str:
        return "serving an information subpoena"

    def storing(self, conn: Connection, case_ref: str) -> str:
        return "the subpoena"

    def apply(self, conn: Connection, on: On) -> dict[str, Any]:
        if on.document_id is None:
            raise DomainError("Serving a subpoena needs its document", "Upload the served subpoena.")
        return rpc.issue_subpoena(
            conn,
            case_ref=on.case_ref,
            recipient=self.recipient,
            document_id=on.document_id,
            actor=on.actor,
            served_on=self.served_on,  # type: ignore[arg-type]
            by_mail=self.by_mail or None,
        )

    def recorded(self, case_ref: str, result: Mapping[str, Any]) -> str:
        return f"{case_ref}: information subpoena #{result.get('action_id')} recorded as served."


@dataclass(frozen=True)
class Attach(Step):
    """Only store the document on the case: the exemption forms another step waits for."""

    op: ClassVar[str] = "attach"

    def apply(self, conn: Connection, on: On) -> dict[str, Any]:
        return {"case_ref": on.case_ref, "attached": True}


def _workflow_now(case_ref: str, result: Mapping[str, Any], how: str) -> str:
    return f"{case_ref}: {result.get('kind')} #{result.get('action_id')} {how}."


KINDS: dict[str, type[Step]] = {s.op: s for s in (QueueWorkflow, AdvanceWorkflow, Pay, IssueSubpoena, Attach)}


def start_workflow(
    kind: str,
    *,
    recipient: str | None,
    note: str | None = None,
    garnishee_kind: str | None = None,
    by_mail: bool = False,
) -> Step:
    """The step that starts a workflow of `kind` with its document. An information subpoena is
    served as it starts (`issue_subpoena`), so it is recorded as served, not queued."""
    if kind == "information_subpoena":
        return IssueSubpoena(recipient=recipient or "", by_mail=by_mail)
    return QueueWorkflow(kind=kind, recipient=recipient, note=note, garnishee_kind=garnishee_kind)


def from_json(data: Mapping[str, Any] | None) -> Step:
    """The step an ingestion row or upload request holds (as written by to_json, or by an
    earlier version: see _from_older_rows)."""
    row = _from_older_rows(dict(data or {}))
    cls = KINDS.get(row.get("op"))  # type: ignore[arg-type]
    names = {f.name for f in dataclasses.fields(cls)} if cls else set()
    try:
        if cls is None:
            raise TypeError(row.get("op"))
        return cls(**{k: v for k, v in row.items() if k in names})
    except TypeError:
        raise DomainError(
            f"Unknown step {row.get('op')!r} for an uploaded document", "Upload it again from the case card."
        ) from None


def _from_older_rows(row: dict[str, Any]) -> dict[str, Any]:
    """Rows queued by earlier versions hold the same `op`-tagged JSON, read more loosely than
    it is written now: a workflow number as text ("7", "#7"), an amount as a JSON number (read
    through str, never a float), a flag as text, and no garnishee_kind, exemption_job, by_mail
    or note before those existed (left to their defaults). Nothing already queued is lost."""
    if isinstance(row.get("action_id"), str) and row["action_id"].lstrip("#").isdigit():
        row["action_id"] = int(row["action_id"].lstrip("#"))
    if row.get("amount") is not None:
        row["amount"] = Decimal(str(row["amount"]))
    if isinstance(row.get("by_mail"), str):
        row["by_mail"] = row["by_mail"].strip().lower() in ("true", "1", "yes")
    return row
