"""Addresses as case facts: the typed call of `set_case_address` (sql/0101_papers.sql) and the
one-line form people type ("<name>; <street>; <city, NY ZIP>")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from dragonfly import rpc
from dragonfly.errors import InvalidInput

ROLES = ("debtor", "garnishee", "employer", "officer")


def set_case_address(
    conn: Connection,
    *,
    case_ref: str,
    role: str,
    address: str,
    actor: str,
    name: str | None = None,
    source: str = "slack",
) -> dict[str, Any]:
    """Record (or replace) the debtor's, a garnishee's, the employer's or an officer's address."""
    return rpc.call(  # type: ignore[no-any-return]
        conn, "set_case_address", case_ref=case_ref, role=role, address=address, actor=actor, name=name, source=source
    )


def split_typed(role: str, text: str) -> tuple[str | None, str]:
    """'Chase Bank; 270 Park Ave; New York, NY 10017' -> ('Chase Bank', '270 Park Ave; New York, NY 10017').

    The debtor's name is already on the judgment, so for the debtor the whole text is the address.
    """
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise InvalidInput(f'"{role}" is not an address role', f"Use one of: {', '.join(ROLES)}.")
    text = (text or "").strip()
    if role == "debtor":
        return None, text
    name, sep, rest = text.partition(";")
    if not sep or not name.strip() or not rest.strip():
        raise InvalidInput(
            f"The {role}'s name and address are needed, separated by ';'",
            "Write: <name>; <street>; <city, NY ZIP>, e.g. Chase Bank; 270 Park Ave; New York, NY 10017.",
        )
    return name.strip(), rest.strip()
