"""App Home shows case data (balances, debtors, payments) only to people with a role."""

from __future__ import annotations

from bot import ids
from scheduler import outbox
from tests.e2e.conftest import NOBODY, OFFICER, VIEWER, Bot
from tests.e2e.slack_signing import block_action


def _published(bot: Bot) -> tuple[str, str]:
    call = bot.fake.calls_to("views.publish")[-1]
    return call.params["user_id"], str(call.params["view"]["blocks"])


def test_home_without_a_role_shows_no_case_data(bot: Bot, case_ref: str) -> None:
    bot.slack.command(f"note {case_ref} debtor paid 500 cash, secret note", user=OFFICER)
    debtor = bot.case(case_ref)["debtor_name"]
    outbox.deliver_due(bot.services)  # the officer's own refresh after the note
    for send in (
        lambda: bot.slack.event(
            {"type": "app_home_opened", "user": NOBODY, "channel": "D0HOME", "tab": "home"}
        ),
        lambda: bot.slack.interact(
            block_action(user=NOBODY, action_id=ids.A_REFRESH_HOME, value="home")
        ),
    ):
        before = len(bot.fake.calls_to("views.publish"))
        assert send().status_code == 200
        outbox.deliver_due(bot.services)  # issue 12: the worker builds and publishes the view
        assert len(bot.fake.calls_to("views.publish")) == before + 1
        user, text = _published(bot)
        assert user == NOBODY
        assert "No access" in text and f"dragonfly users grant {NOBODY} viewer" in text
        for secret in ("Ops Console", case_ref, debtor, "secret note", "$"):
            assert secret not in text, secret


def test_home_for_a_viewer_shows_the_console(bot: Bot, case_ref: str) -> None:
    bot.slack.event({"type": "app_home_opened", "user": VIEWER, "channel": "D0HOME", "tab": "home"})
    outbox.deliver_due(bot.services)
    user, text = _published(bot)
    assert user == VIEWER and "Ops Console" in text and case_ref in text
