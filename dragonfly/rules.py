"""The rules the database holds, read once per process instead of copied into Python.

PostgreSQL is the source of truth for the enum labels (stages, kinds, roles), the allowed stage
moves (`allowed_stage_moves`), the document kinds that prove a payment (`payment_proof_kinds`),
the days after which a case is stale per tier (`stale_days`) and the kinds of workflow with the
sub-command that starts each (`workflow_kinds`). Forms, the importer's summaries and
the console read them from here; `load` runs when the app or a command builds its services, so a
migration that adds a stage or a kind reaches every form without a Python change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text


@dataclass(frozen=True)
class WorkflowKind:
    """A kind of workflow as people start and read it (workflow_kinds, sql/0132)."""

    kind: str  # the action_kind label
    command: str  # the /enforce sub-command that starts it
    title: str
    law: str


@dataclass(frozen=True)
class Rules:
    labels: Mapping[str, tuple[str, ...]]  # SQL enum type -> its labels, in the type's order
    stage_moves: Mapping[str, tuple[str, ...]]  # stage -> the stages it may move to
    payment_proof_kinds: tuple[str, ...]
    stale_days: Mapping[int, int]  # tier -> days in one stage before the case is stale
    workflows: tuple[WorkflowKind, ...] = ()  # in the help's order

    def workflow_commands(self) -> dict[str, str]:
        """/enforce sub-command -> the workflow kind it starts."""
        return {w.command: w.kind for w in self.workflows}

    def of(self, enum: str) -> tuple[str, ...]:
        """The labels of one SQL enum type (e.g. "stage", "payment_kind")."""
        return self.labels[enum]


def read(conn: Connection) -> Rules:
    """Read the rules from the database (one round trip per kind of rule)."""
    labels = {
        r.typname: tuple(r.labels)
        for r in conn.execute(
            text(
                "SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels"
                " FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid"
                " JOIN pg_namespace n ON n.oid = t.typnamespace AND n.nspname = 'public'"
                " GROUP BY t.typname"
            )
        )
    }
    moves = {
        r.stage: tuple(r.moves)
        for r in conn.execute(
            text("SELECT s::text AS stage, allowed_stage_moves(s) AS moves FROM unnest(enum_range(NULL::stage)) s")
        )
    }
    proof = tuple(conn.execute(text("SELECT unnest(payment_proof_kinds())::text")).scalars())
    stale = {int(r.tier): int(r.days) for r in conn.execute(text("SELECT tier, days FROM v_stale_days"))}
    workflows = tuple(
        WorkflowKind(kind=r.kind, command=r.command, title=r.title, law=r.law)
        for r in conn.execute(text("SELECT kind, command, title, law FROM v_workflow_kinds ORDER BY position, kind"))
    )
    return Rules(labels=labels, stage_moves=moves, payment_proof_kinds=proof, stale_days=stale, workflows=workflows)


_loaded: dict[str, Rules] = {}


def load(engine: Engine) -> Rules:
    """The rules of this engine's database, read on first use and kept for the process."""
    key = engine.url.render_as_string(hide_password=False)
    if key not in _loaded:
        with engine.connect() as conn:
            _loaded[key] = read(conn)
    return _loaded[key]


def current() -> Rules:
    """The rules loaded by this process (the bot loads them when it builds the app)."""
    if not _loaded:
        raise RuntimeError("dragonfly.rules.load(engine) must run before the rules are read")
    return next(reversed(_loaded.values()))
