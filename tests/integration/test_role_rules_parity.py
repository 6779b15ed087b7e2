"""The bot's early role checks (bot/listeners) ask for the same role the database enforces
(role_rules, sql/0050_roles_actors.sql) for each act both know, and never less than officer for
an act that records something."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

LISTENERS = Path(__file__).resolve().parents[2] / "bot" / "listeners"
REQUIRE = re.compile(r'require\(context, "(viewer|officer|admin)", f?"([^"]+)"\)')
ACT = re.compile(r'role="(viewer|officer|admin)",\s*(?:[a-z_]+=[^,]+,\s*)*?what=f?"([^"]+)"', re.S)


def _checks() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in LISTENERS.glob("*.py"):
        source = path.read_text()
        found |= {(m.group(2), m.group(1)) for m in REQUIRE.finditer(source)}
        found |= {(m.group(2), m.group(1)) for m in ACT.finditer(source)}
    return found


def test_bot_checks_match_the_database_rules(engine):
    with engine.connect() as c:
        rules = dict(c.execute(text("SELECT what, min_role FROM v_role_rules")).all())
    checks = _checks()
    assert ("Overriding a tier", "admin") in checks and ("Reversing a payment", "admin") in checks
    for what, role in checks:
        if what in rules:
            assert role == rules[what], f"{what!r}: the bot asks for {role}, the database for {rules[what]}"
        elif not what.startswith(("Reading", "Listing", "Looking")):
            assert role in ("officer", "admin"), f"{what!r} records something but the bot asks only for {role}"
