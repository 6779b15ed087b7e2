"""Issue 12: no whole-book work inside a Slack request. Opening the App Home, pressing refresh
and a person's own action only queue "publish home for U"; the outbox worker builds the view when
it sends it, and everything queued before the worker takes the row publishes once."""

from __future__ import annotations

from bot import ids
from scheduler import outbox
from tests.e2e.conftest import OFFICER, Bot
from tests.e2e.slack_signing import block_action

OPEN = {"type": "app_home_opened", "user": OFFICER, "channel": "D0HOME", "tab": "home"}


def waiting(bot: Bot) -> list[dict]:  # type: ignore[type-arg]
    return [r for r in bot.outbox("home.publish") if r["status"] == "pending"]


def test_home_is_published_by_the_worker_not_built_in_the_request(bot: Bot, case_ref: str) -> None:
    before = len(bot.fake.calls_to("views.publish"))
    assert bot.slack.event(OPEN).status_code == 200
    # Nothing was sent or built in the request: one queued row that names only the user.
    assert len(bot.fake.calls_to("views.publish")) == before
    rows = waiting(bot)
    assert [r["payload"] for r in rows] == [{"user_id": OFFICER}]
    # The worker builds the Ops Console when it sends, from the book as it is then.
    bot.slack.command(f"note {case_ref} written after the tab was opened", user=OFFICER)
    assert outbox.deliver_due(bot.services) >= 1
    calls = bot.fake.calls_to("views.publish")
    assert len(calls) == before + 1
    text = str(calls[-1].params["view"]["blocks"])
    assert calls[-1].params["user_id"] == OFFICER and "Ops Console" in text
    assert "written after the tab was opened" in text
    assert waiting(bot) == []


def test_opens_and_actions_within_the_window_publish_once(bot: Bot, case_ref: str) -> None:
    before = len(bot.fake.calls_to("views.publish"))
    bot.slack.event(OPEN)
    bot.slack.event({**OPEN, "event_ts": "2.000001"})
    bot.slack.interact(block_action(user=OFFICER, action_id=ids.A_REFRESH_HOME, value="home"))
    bot.slack.command(f"note {case_ref} one more thing", user=OFFICER)
    assert len(waiting(bot)) == 1
    outbox.deliver_due(bot.services)
    assert len(bot.fake.calls_to("views.publish")) == before + 1
    # Once sent, the next open queues (and publishes) a fresh one.
    bot.slack.event({**OPEN, "event_ts": "3.000001"})
    assert len(waiting(bot)) == 1
    outbox.deliver_due(bot.services)
    assert len(bot.fake.calls_to("views.publish")) == before + 2


def test_an_action_queues_the_refresh_instead_of_building_it(bot: Bot, case_ref: str) -> None:
    before = len(bot.fake.calls_to("views.publish"))
    r = bot.slack.command(f"stage {case_ref} discovery first look", user=OFFICER)
    assert "intake -> discovery" in r.json()["text"]
    assert len(bot.fake.calls_to("views.publish")) == before
    assert [r["payload"] for r in waiting(bot)] == [{"user_id": OFFICER}]
