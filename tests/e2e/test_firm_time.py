"""Dates shown to people are in the firm's time zone: an event at 23:30 in New York is stored as
04:30 UTC the next day, and shows the New York date."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dragonfly import rpc
from scheduler import outbox
from tests.e2e.conftest import OFFICER, Bot

NY = ZoneInfo("America/New_York")
LATE = datetime(2025, 3, 5, 23, 30, tzinfo=NY)  # 2025-03-06 04:30 UTC
NEXT = datetime(2030, 3, 5, 23, 30, tzinfo=NY)  # 2030-03-06 04:30 UTC


def test_event_and_next_action_show_the_new_york_date(bot: Bot, case_ref: str) -> None:
    bot.services.settings.dragonfly_timezone = "America/New_York"
    assert LATE.astimezone(UTC).date().isoformat() == "2025-03-06"
    with rpc.transaction(bot.services.engine) as conn:
        rpc.set_clock(conn, LATE)
        rpc.add_case_note(conn, case_ref=case_ref, text="late call with the debtor", actor=OFFICER)
        rpc.set_clock(conn, None)
        rpc.set_next_action(conn, case_ref=case_ref, at=NEXT, what="call back", actor=OFFICER)
    stored = bot.scalar(
        "SELECT occurred_at FROM v_enforcement_timeline WHERE case_ref = :r AND kind = 'note_added'",
        r=case_ref,
    )
    assert stored.astimezone(UTC) == LATE.astimezone(UTC)

    card = str(bot.slack.command(f"case {case_ref}", user=OFFICER).json()["blocks"])
    assert "- 2025-03-05 Note: late call with the debtor" in card, card
    assert "2025-03-06" not in card
    # (the event's own summary text is written by the database view, not by the bot)
    assert "*Next action:* 2030-03-05 - call back" in card

    mine = str(bot.slack.command("mine", user=OFFICER).json()["blocks"])
    assert "next 2030-03-05" in mine and "2030-03-06" not in mine

    bot.slack.event({"type": "app_home_opened", "user": OFFICER, "channel": "D0H", "tab": "home"})
    outbox.deliver_due(bot.services)  # issue 12: the outbox worker builds and publishes the home
    home = str(bot.fake.calls_to("views.publish")[-1].params["view"]["blocks"])
    assert f"2025-03-05 *{case_ref}*" in home and "2025-03-06" not in home
