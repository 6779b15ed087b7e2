"""Typed `/enforce stage` and `/enforce note` run as one statement (slack_command,
sql/0110_slack_one_statement.sql): the request key, the sanctioned call and the App Home refresh
commit together or not at all, as they did as separate calls in one transaction."""

from __future__ import annotations

from tests.e2e.conftest import OFFICER, VIEWER, Bot


def claimed(bot: Bot, trigger_id: str) -> int:
    return int(bot.scalar("SELECT count(*) FROM handled_requests WHERE request_key = :k", k=f"cmd:{trigger_id}"))


def test_a_stage_move_records_claims_and_queues_the_home_once(bot: Bot, case_ref: str) -> None:
    before = bot.events(case_ref)
    homes = len(bot.outbox("home.publish"))
    r1 = bot.slack.command(f"stage {case_ref} discovery", user=OFFICER, trigger_id="T.one.1")
    r2 = bot.slack.command(f"stage {case_ref} discovery", user=OFFICER, trigger_id="T.one.1", retry_num=1)
    assert r1.status_code == 200 and f"{case_ref}: intake -> discovery after" in r1.json()["text"]
    assert "Already done" in r2.json()["text"]
    assert bot.case(case_ref)["stage"] == "discovery"
    assert bot.events(case_ref) == before + 1 and claimed(bot, "T.one.1") == 1
    assert len(bot.outbox("home.publish")) == homes + 1


def test_a_refused_move_claims_nothing_and_queues_nothing(bot: Bot, case_ref: str) -> None:
    before = bot.events(case_ref)
    homes = len(bot.outbox("home.publish"))
    r = bot.slack.command(f"stage {case_ref} intake", user=OFFICER, trigger_id="T.one.2")
    assert r.status_code == 200 and "already in intake" in r.json()["text"]
    assert bot.events(case_ref) == before and claimed(bot, "T.one.2") == 0
    assert len(bot.outbox("home.publish")) == homes
    # the same request, once the case can move, is recorded: the refusal kept no claim
    assert "intake -> discovery" not in r.json()["text"]
    r = bot.slack.command(f"stage {case_ref} discovery", user=OFFICER, trigger_id="T.one.2")
    assert "intake -> discovery" in r.json()["text"] and claimed(bot, "T.one.2") == 1


def test_a_viewer_is_refused_before_anything_is_sent(bot: Bot, case_ref: str) -> None:
    before = bot.events(case_ref)
    r = bot.slack.command(f"note {case_ref} not mine to write", user=VIEWER, trigger_id="T.one.3")
    assert "needs the officer role" in r.json()["text"]
    assert bot.events(case_ref) == before and claimed(bot, "T.one.3") == 0
