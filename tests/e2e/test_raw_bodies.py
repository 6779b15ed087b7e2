"""The Slack front door on raw bodies: the signature is checked on the exact bytes before
anything is parsed; junk is a 401 (unsigned) or a 400 with a reason (signed), never a traceback
or a 500; a command's text is never mistaken for an interactivity payload."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import OFFICER, Bot
from tests.e2e.slack_signing import signature

FORM = "application/x-www-form-urlencoded"


def post_raw(
    bot: Bot, body: bytes, *, stamp: str | None = None, sign: bool = True, content_type: str = FORM
) -> tuple[int, str]:
    stamp = stamp if stamp is not None else str(int(time.time()))
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp}
    headers["X-Slack-Signature"] = signature(bot.slack.secret if sign else "not-the-secret", stamp, body)
    r = bot.slack.http.post(bot.slack.url, data=body, headers=headers, timeout=10)
    return r.status_code, r.text


JUNK = [
    b"payload=not-json",
    b"payload=null",
    b"payload=%5B1%2C2%5D",  # a JSON list, not an object
    b"\xff\xfe\xfdtext=\xc3\x28",  # invalid UTF-8 bytes
    b"text=%ff%fe&command=%2Fenforce",  # a percent-encoded invalid UTF-8 field
    b"{not json",
]


@pytest.mark.parametrize("body", JUNK, ids=lambda b: b[:18].decode("latin-1"))
def test_unsigned_junk_is_401_before_parsing(bot: Bot, body: bytes) -> None:
    status, text = post_raw(bot, body, sign=False)
    assert status == 401 and "signature" in text and "Traceback" not in text


@pytest.mark.parametrize("body", JUNK, ids=lambda b: b[:18].decode("latin-1"))
def test_signed_junk_is_400_with_a_reason(bot: Bot, body: bytes) -> None:
    before = bot.events()
    status, text = post_raw(bot, body)
    assert status == 400, text
    assert any(w in text for w in ("not valid JSON", "not a JSON object", "not valid UTF-8"))
    assert "Traceback" not in text and bot.events() == before


@pytest.mark.parametrize("stamp", ["abc", "", "12.5", "-1", "9" * 40, "1e9"])
def test_bad_timestamps_are_401(bot: Bot, case_ref: str, stamp: str) -> None:
    body = bot.slack.command_body(f"note {case_ref} a stamp of {stamp!r}", user=OFFICER)
    status, text = post_raw(bot, body, stamp=stamp)
    assert status == 401 and "Something went wrong" not in text
    assert bot.events(case_ref) == 1


def test_oversized_body_is_413_unread(bot: Bot) -> None:
    status, text = post_raw(bot, b"text=" + b"a" * (1024 * 1024 + 10))
    assert status == 413 and "larger than" in text


def test_note_containing_payload_is_recorded(bot: Bot, case_ref: str) -> None:
    """Bolt's own parser answered this with 404 "unhandled request" (dispatch_failed in Slack)."""
    note = "the payload of the levy arrived; token=abc&payload=x 100% + more"
    r = bot.slack.command(f"note {case_ref} {note}", user=OFFICER)
    assert r.status_code == 200 and "Note added" in r.json()["text"], r.text
    assert bot.events(case_ref) == 2
    texts = bot.rows(
        "SELECT payload->>'text' AS t FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'note_added'",
        r=case_ref,
    )
    assert [t["t"] for t in texts] == [note]


def test_nul_and_lone_surrogate_are_refused_with_a_sentence(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(f"note {case_ref} before\x00after", user=OFFICER)
    assert r.status_code == 200 and "NUL character" in r.json()["text"]
    # A lone surrogate cannot travel in a UTF-8 form, only as a JSON escape (an interactivity payload).
    from bot import ids
    from tests.e2e.slack_signing import block_action

    payload = block_action(user=OFFICER, action_id=ids.A_UNBLOCK, value="DF-1\ud800", action_ts="1.1")
    assert bot.slack.interact(payload).status_code == 200
    told = [c.params.get("text", "") for c in bot.fake.calls_to("chat.postEphemeral")]
    assert any("broken character" in t for t in told), told
    assert bot.events(case_ref) == 1


def test_a_very_long_command_is_refused_fast(bot: Bot, case_ref: str) -> None:
    t0 = time.perf_counter()
    r = bot.slack.command(f"note {case_ref} " + "'x " * 200_000, user=OFFICER)
    assert r.status_code == 200 and "the limit is 4,000" in r.json()["text"]
    assert time.perf_counter() - t0 < 2 and bot.events(case_ref) == 1
