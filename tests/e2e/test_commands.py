"""Every /enforce sub-command over signed HTTP, with its effect checked through the views."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.conftest import ADMIN, OFFICER, VIEWER, Bot, firm_today


def future(days: int) -> str:
    return (firm_today() + timedelta(days=days)).isoformat()


def test_healthz(bot: Bot) -> None:
    r = bot.slack.http.get(bot.url + "/healthz", timeout=5)
    assert r.status_code == 200 and r.text == "ok\n"


def test_help_and_unknown(bot: Bot) -> None:
    r = bot.slack.command("help", user=VIEWER)
    assert r.status_code == 200 and "sub-commands" in r.json()["text"]
    r = bot.slack.command("", user=VIEWER)
    assert "sub-commands" in r.json()["text"]
    before = bot.events()
    r = bot.slack.command("frobnicate DF-1", user=OFFICER)
    assert r.status_code == 200
    assert '"frobnicate" is not an /enforce sub-command' in r.json()["text"]
    assert "/enforce help" in r.json()["text"]
    assert bot.events() == before


def test_case_card(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(f"case {case_ref.lower()}", user=VIEWER)
    body = r.json()
    assert r.status_code == 200
    text = str(body["blocks"])
    assert case_ref in text and "Tier" in text and "Balance" in text and "Move stage" in text


def test_mine(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command("mine", user=OFFICER)
    assert case_ref in str(r.json()["blocks"])


def test_stage_moves_and_records(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(f"stage {case_ref} discovery first look", user=OFFICER)
    assert "intake -> discovery" in r.json()["text"]
    assert bot.case(case_ref)["stage"] == "discovery"
    ev = bot.rows(
        "SELECT * FROM v_enforcement_timeline WHERE case_ref = :r ORDER BY seq DESC LIMIT 1",
        r=case_ref,
    )[0]
    assert (
        ev["kind"] == "stage_changed"
        and ev["actor"] == OFFICER
        and ev["payload"]["note"] == "first look"
    )
    # The user's Ops Console is refreshed through the outbox (built by the worker, issue 12).
    assert bot.outbox("home.publish")[-1]["payload"] == {"user_id": OFFICER}


def test_close_needs_reason_then_closes(bot: Bot, case_ref: str) -> None:
    before = bot.events(case_ref)
    r = bot.slack.command(f"stage {case_ref} closed", user=OFFICER)
    assert "needs a reason" in r.json()["text"] and bot.events(case_ref) == before
    r = bot.slack.command(f"stage {case_ref} closed settled paid in full", user=OFFICER)
    assert "-> closed" in r.json()["text"]
    assert bot.case(case_ref)["status"] == "closed"


def test_block_unblock(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(
        f"block {case_ref} court waiting for the clerk eta:{future(5)}", user=OFFICER
    )
    assert "blocked (court)" in r.json()["text"]
    assert bot.case(case_ref)["open_blockers"] == 1
    blocker = bot.rows("SELECT * FROM v_open_blockers WHERE case_ref = :r", r=case_ref)[0]
    assert blocker["reason"] == "waiting for the clerk" and blocker["eta"].isoformat() == future(5)
    r = bot.slack.command(f"unblock {case_ref}", user=OFFICER)
    assert "1 blocker(s) cleared" in r.json()["text"]
    assert bot.case(case_ref)["open_blockers"] == 0


def test_override_admin(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(
        f"override {case_ref} 3 until:{future(30)} big employer found", user=ADMIN
    )
    assert "Tier 3 until" in r.json()["text"], r.json()
    c = bot.case(case_ref)
    assert c["tier"] == 3 and c["override_reason"] == "big employer found"


def test_assign_note_next(bot: Bot, case_ref: str) -> None:
    r = bot.slack.command(f"assign {case_ref} <@U0NEWOWNER|pat>", user=OFFICER)
    assert "<@U0NEWOWNER>" in r.json()["text"]
    assert bot.case(case_ref)["owner_slack_id"] == "U0NEWOWNER"
    r = bot.slack.command(f"note {case_ref} called the debtor's bank", user=OFFICER)
    assert "Note added" in r.json()["text"]
    assert (
        bot.rows(
            "SELECT summary FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'note_added'",
            r=case_ref,
        )[0]["summary"]
        == "Note: called the debtor's bank"
    )
    r = bot.slack.command(f"next {case_ref} {future(3)} call the marshal", user=OFFICER)
    assert "Next action" in r.json()["text"]
    c = bot.case(case_ref)
    assert c["next_action_what"] == "call the marshal"
