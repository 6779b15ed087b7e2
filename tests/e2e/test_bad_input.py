"""Bad input gets a clear ephemeral reply, and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import NOBODY, OFFICER, VIEWER, Bot, firm_today


def past(days: int) -> str:
    return (firm_today() - timedelta(days=days)).isoformat()


def future(days: int) -> str:
    return (firm_today() + timedelta(days=days)).isoformat()


def refused(bot: Bot, case_ref: str, text: str, *, user: str = OFFICER) -> str:
    """Send the command; assert a 200 ephemeral refusal and that no event, payment, blocker or queue row
    was written; return the reply text."""

    def counts():
        return (
            bot.events(),
            len(bot.rows("SELECT 1 FROM v_payments")),
            len(bot.rows("SELECT 1 FROM v_open_blockers")),
            len(bot.ingestion()),
            len(bot.rows("SELECT 1 FROM v_upload_requests")),
            len(bot.outbox()),
        )

    before = counts()
    r = bot.slack.command(text.format(case=case_ref), user=user)
    assert r.status_code == 200
    body = r.json()
    assert body["response_type"] == "ephemeral"
    assert counts() == before, text
    return str(body["text"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("frobnicate {case}", "is not an /enforce sub-command"),
        ("case DF-999999", "There is no case DF-999999"),
        ("case banana", '"banana" is not a case id'),
        ("stage DF-999999 discovery", "DF-999999"),
        ("stage {case} recovery", "cannot move from intake to recovery"),
        ("stage {case} closed", "needs a reason"),
        ("stage {case} closed because", "closing reason"),
        ("pay {case} 12,34.5", '"12,34.5" is not an amount'),
        ("pay {case} -5", '"-5" is not an amount'),
        ("pay {case} 1e9", '"1e9" is not an amount'),
        ("pay {case} 10.505", "is not an amount"),
        ("pay {case} 0", "not a positive amount"),
        ("pay {case} 100 bitcoin", "is not a payment kind"),
        ("pay DF-999999 100", "There is no case DF-999999"),
        ("block {case} court clerk eta:03/05/2027", "is not a date in the form YYYY-MM-DD"),
        ("block {case} court clerk eta:" + past(2), "is in the past"),
        ("block {case} court eta:" + future(2), "needs a reason"),
        ("block {case} court waiting", "needs an ETA"),
        ("block {case} weather waiting eta:" + future(2), "blocker kind"),
        ("next {case} tomorrow call", "YYYY-MM-DD"),
        ("next {case} " + past(1), "is in the past"),
        ("next {case} 2026-02-30", "is not a real date"),
        ("assign {case} pat", "is not a person"),
        ("advance {case} 999 levied", "has no workflow #999"),
        ("advance {case} x levied", "is not a workflow number"),
        ("levy DF-999999 Chase", "There is no case DF-999999"),
        ("subpoena {case}", "needs its recipient"),
    ],
)
def test_refused(bot: Bot, case_ref: str, text: str, expected: str) -> None:
    reply = refused(bot, case_ref, text)
    assert expected in reply, reply
    assert "Nothing was recorded" in reply


def test_override_rules(bot: Bot, case_ref: str) -> None:
    assert "needs the admin role; you have officer" in refused(
        bot, case_ref, "override {case} 3 until:" + future(10) + " reason", user=OFFICER
    )
    from tests.e2e.conftest import ADMIN

    assert "needs a reason" in refused(
        bot, case_ref, "override {case} 3 until:" + future(10), user=ADMIN
    )
    assert "at most 90 days" in refused(
        bot, case_ref, "override {case} 3 until:" + future(120) + " x", user=ADMIN
    )
    assert "is in the past" in refused(
        bot, case_ref, "override {case} 3 until:" + past(1) + " x", user=ADMIN
    )
    assert "is not a tier" in refused(
        bot, case_ref, "override {case} 7 until:" + future(10) + " x", user=ADMIN
    )


def test_roles(bot: Bot, case_ref: str) -> None:
    reply = refused(bot, case_ref, "stage {case} discovery", user=VIEWER)
    assert "needs the officer role; you have viewer" in reply
    assert "dragonfly users grant UVIEWER1 officer" in reply
    assert "needs the viewer role; you have no role yet" in refused(
        bot, case_ref, "case {case}", user=NOBODY
    )
    assert "needs the officer role" in refused(bot, case_ref, "pay {case} 100", user=VIEWER)
    assert "needs the officer role" in refused(bot, case_ref, "levy {case}", user=NOBODY)
    # Reopening a closed case is for admins (the engine says so).
    bot.slack.command(f"stage {case_ref} closed settled", user=OFFICER)
    assert "needs the admin role" in refused(bot, case_ref, "stage {case} discovery", user=OFFICER)
    # A viewer cannot even open the form.
    r = bot.slack.command("stage", user=VIEWER)
    assert "needs the officer role" in r.json()["text"] and not bot.fake.calls_to("views.open")
