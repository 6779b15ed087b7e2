"""The workflow rules a step is checked against, read from the views: the transitions a
workflow kind may take and the document kinds each needs (v_workflow_transitions, from the
workflow_transitions table), and one workflow of a case (v_enforcement_actions)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from dragonfly.errors import NotFound


@dataclass(frozen=True)
class Transition:
    kind: str
    from_state: str
    to_state: str
    document_kinds: list[str]
    terminal: bool


_TRANSITIONS = "SELECT kind, from_state, to_state, document_kinds, terminal FROM v_workflow_transitions"


def transition(conn: Connection, *, kind: str, from_state: str, to_state: str | None = None) -> Transition | None:
    """A workflow transition (from_state '' is "queue a new one"); None if not allowed."""
    found = next_transitions(conn, kind=kind, from_state=from_state, to_state=to_state)
    return found[0] if found else None


def next_transitions(conn: Connection, *, kind: str, from_state: str, to_state: str | None = None) -> list[Transition]:
    """The steps a workflow may take from its state (only the one to `to_state`, if given)."""
    sql, params = _TRANSITIONS + " WHERE kind = :kind AND from_state = :s", {"kind": kind, "s": from_state}
    if to_state is not None:
        sql, params["to"] = sql + " AND to_state = :to", to_state.strip().lower()
    rows = conn.execute(text(sql + " ORDER BY to_state"), params)
    return [Transition(r.kind, r.from_state, r.to_state, list(r.document_kinds), r.terminal) for r in rows]


@dataclass(frozen=True)
class Workflow:
    action_id: int
    case_ref: str
    kind: str
    state: str
    is_open: bool


def workflow(conn: Connection, *, case_ref: str, action_id: int) -> Workflow:
    """One workflow of a case, or NotFound."""
    row = conn.execute(
        text(
            "SELECT action_id, case_ref, kind, state, is_open FROM v_enforcement_actions"
            " WHERE action_id = :id AND case_ref = :ref"
        ),
        {"id": action_id, "ref": case_ref},
    ).first()
    if row is None:
        raise NotFound(
            f"{case_ref} has no workflow #{action_id}",
            f"The case card lists its workflows: /enforce case {case_ref}",
        )
    return Workflow(row.action_id, row.case_ref, row.kind, row.state, row.is_open)
