"""Signatures: a bad one, missing headers or a stale timestamp is a 401 and records nothing;
Slack's retries of handled requests record once."""

from __future__ import annotations

import time

from tests.e2e.conftest import OFFICER, Bot


def stage_body(bot: Bot, case_ref: str) -> bytes:
    return bot.slack.command_body(f"stage {case_ref} discovery", user=OFFICER)


def test_bad_signature(bot: Bot, case_ref: str) -> None:
    before = bot.events()
    r = bot.slack.post(
        stage_body(bot, case_ref), "application/x-www-form-urlencoded", secret="wrong-secret"
    )
    assert r.status_code == 401
    assert bot.events() == before and bot.case(case_ref)["stage"] == "intake"


def test_missing_headers(bot: Bot, case_ref: str) -> None:
    before = bot.events()
    r = bot.slack.post(stage_body(bot, case_ref), "application/x-www-form-urlencoded", sign=False)
    assert r.status_code == 401
    body = stage_body(bot, case_ref)
    r = bot.slack.http.post(
        bot.slack.url,
        data=body,
        timeout=5,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    assert r.status_code == 401
    assert bot.events() == before


def test_replayed_old_timestamp(bot: Bot, case_ref: str) -> None:
    before = bot.events()
    old = int(time.time()) - 6 * 60
    r = bot.slack.post(
        stage_body(bot, case_ref), "application/x-www-form-urlencoded", timestamp=old
    )
    assert r.status_code == 401
    assert bot.events() == before


def test_tampered_body(bot: Bot, case_ref: str) -> None:
    ts = str(int(time.time()))
    from tests.e2e.slack_signing import signature

    signed = bot.slack.command_body(f"note {case_ref} harmless", user=OFFICER)
    tampered = signed.replace(b"harmless", b"evil")
    r = bot.slack.http.post(
        bot.slack.url,
        data=tampered,
        timeout=5,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature("e2e-signing-secret", ts, signed),
        },
    )
    assert r.status_code == 401 and bot.events(case_ref) == 1


def test_command_retry_records_once(bot: Bot, case_ref: str) -> None:
    before = bot.events(case_ref)
    r1 = bot.slack.command(f"note {case_ref} once only", user=OFFICER, trigger_id="T.retry.1")
    r2 = bot.slack.command(
        f"note {case_ref} once only", user=OFFICER, trigger_id="T.retry.1", retry_num=1
    )
    assert "Note added" in r1.json()["text"] and "Already done" in r2.json()["text"]
    assert bot.events(case_ref) == before + 1


def test_button_double_click_records_once(bot: Bot, case_ref: str) -> None:
    from bot import ids
    from tests.e2e.slack_signing import block_action

    bot.slack.command(f"block {case_ref} bank frozen eta:2099-01-01", user=OFFICER)
    assert bot.case(case_ref)["open_blockers"] == 1
    before = bot.events(case_ref)
    payload = block_action(
        user=OFFICER, action_id=ids.A_UNBLOCK, value=case_ref, action_ts="1800000000.111"
    )
    assert bot.slack.interact(payload).status_code == 200
    assert bot.slack.interact(payload).status_code == 200
    assert bot.events(case_ref) == before + 1 and bot.case(case_ref)["open_blockers"] == 0


def test_healthz_and_unknown_paths(bot: Bot) -> None:
    assert bot.slack.http.get(bot.url + "/nope", timeout=5).status_code == 404
    assert bot.slack.http.get(bot.url + "/slack/events", timeout=5).status_code == 404
