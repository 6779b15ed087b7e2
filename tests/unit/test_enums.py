"""Python enums: the stage moves table and the SQL names (parity is checked against SQL in
tests/integration/test_engine_events.py)."""

from __future__ import annotations

from dragonfly.enums import SQL_ENUMS, STAGE_MOVES, ActionKind, DocumentKind, EventKind, Stage, Tier


def test_stage_numbers() -> None:
    assert [s.number for s in Stage] == [0, 1, 2, 3, None]


def test_stage_moves_match_domain() -> None:
    assert set(STAGE_MOVES) == set(Stage)
    assert STAGE_MOVES[Stage.intake] == (Stage.discovery, Stage.closed)
    assert STAGE_MOVES[Stage.discovery] == (Stage.execution, Stage.closed)
    assert set(STAGE_MOVES[Stage.execution]) == {Stage.recovery, Stage.discovery, Stage.closed}
    assert set(STAGE_MOVES[Stage.recovery]) == {Stage.execution, Stage.closed}
    for stage, moves in STAGE_MOVES.items():
        assert stage not in moves
        if stage is not Stage.closed:
            assert Stage.closed in moves


def test_tiers() -> None:
    assert [int(t) for t in Tier] == [0, 1, 2, 3]


def test_values_are_their_names() -> None:
    for enum in SQL_ENUMS.values():
        for member in enum:
            assert member.name == member.value


def test_required_members() -> None:
    assert {
        "asset_search",
        "information_subpoena",
        "restraining_notice",
        "levy",
        "garnishment",
        "marshal",
    } == {k.value for k in ActionKind}
    assert len(DocumentKind) == 13  # court_order (issue 13: CPLR 5222(c), 5232(a))
    assert {"stage_changed", "payment_recorded", "tier_changed"} <= {k.value for k in EventKind}
