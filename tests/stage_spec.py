"""The stages and their allowed moves as docs/domain.md states them: the tests' own statement of
the rule, checked against the database (which is the only place the product keeps it)."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    intake = "intake"
    discovery = "discovery"
    execution = "execution"
    recovery = "recovery"
    closed = "closed"


# Reopening from closed is for admins.
STAGE_MOVES: dict[Stage, tuple[Stage, ...]] = {
    Stage.intake: (Stage.discovery, Stage.closed),
    Stage.discovery: (Stage.execution, Stage.closed),
    Stage.execution: (Stage.recovery, Stage.discovery, Stage.closed),
    Stage.recovery: (Stage.execution, Stage.closed),
    Stage.closed: (Stage.intake, Stage.discovery, Stage.execution, Stage.recovery),
}
