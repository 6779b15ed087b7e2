"""Property: every /enforce sub-command, followed by any text a person could type (printable
and non-ASCII, with the words and characters that upset form parsers), reaches its own
listener and is answered 200; a note's text is recorded exactly as typed."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import build_app
from bot.listeners import _routes
from tests.e2e.conftest import ADMIN, OFFICER, Bot

TRICKY = [
    "payload",
    "payload=",
    "token",
    "token=x",
    "&",
    "=",
    "%",
    "%25",
    "%00",
    "+",
    "'",
    '"',
    "`",
    "\\",
    "{",
    "}",
    '{"a":1}',
    "\U0001f600",
    "\U0001f1fa\U0001f1f8",
    "\u200f",
    "\u202e",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u0645\u0631\u062d\u0628\u0627",
    "caf\u00e9",
    "\u00a0",
    "DF-1001",
]
# Anything a keyboard can produce: every category but control characters and lone surrogates
# (those are refused with a sentence; tests/unit/test_parsing_limits.py).
TYPED = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40)
FREE_TEXT = st.lists(st.one_of(st.sampled_from(TRICKY), TYPED), min_size=1, max_size=8).map(" ".join)


def subcommands(bot: Bot) -> list[str]:
    app = build_app(bot.services)
    return sorted(_routes[app])


def test_every_subcommand_with_any_text_reaches_its_listener(bot: Bot, case_ref: str) -> None:
    names = subcommands(bot)
    assert {"note", "stage", "case", "help", "pay"} <= set(names)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(name=st.sampled_from(names), text=FREE_TEXT, with_case=st.booleans())
    def check(name: str, text: str, with_case: bool) -> None:
        typed = f"{name} {case_ref + ' ' if with_case else ''}{text}"
        r = bot.slack.command(typed, user=ADMIN if name in ("override", "reopen") else OFFICER)
        assert r.status_code == 200, (typed, r.status_code, r.text)
        answer = r.json().get("text", "") if r.text else ""
        # Reached the /enforce listener, and its sub-command's handler, and no handler crashed.
        assert "is not an /enforce sub-command" not in answer, typed
        assert "Something went wrong" not in answer, (typed, answer)

    check()


def test_a_note_is_recorded_exactly_as_typed(bot: Bot, case_ref: str) -> None:
    recorded: list[str] = []

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(text=FREE_TEXT.filter(lambda t: t.strip() and "%00" not in t))
    def check(text: str) -> None:
        r = bot.slack.command(f"note {case_ref} {text}", user=OFFICER)
        assert r.status_code == 200 and "Note added" in r.json()["text"], (text, r.text)
        recorded.append(text.strip())

    check()
    notes = bot.rows(
        "SELECT payload->>'text' AS t FROM v_enforcement_timeline"
        " WHERE case_ref = :r AND kind = 'note_added' ORDER BY seq",
        r=case_ref,
    )
    assert [n["t"] for n in notes] == recorded
