"""The App Home tab: the Ops Console."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot import ids
from bot.blocks.common import Block, button, context, day, divider, header, money, section, who


def ops_console(data: dict[str, Any], *, tz: tzinfo) -> dict[str, Any]:
    blocks: list[Block] = [header("Dragonfly Ops Console")]
    lines = [
        f"*Tier {r['tier']}*: {r['cases']} cases · {money(r['balance'])} · "
        f"{r['sla_breaches']} SLA breaches"
        for r in data["overview"]
    ] or ["No open cases."]
    blocks += [section("*By tier*\n" + "\n".join(lines)), divider()]
    lines = [
        f"*{r['case_ref']}* T{r['tier']} {r['stage']} {r['debtor_name']} - next {day(r['next_action_at'], tz)}"
        for r in data["past_due"]
    ] or ["Nothing past due. :tada:"]
    blocks += [section("*My past-due queue*\n" + "\n".join(lines)), divider()]
    lines = [
        f"*{r['case_ref']}* {r['stage']} {r['dwell_days']} days - {r['debtor_name']} ({who(r['owner_slack_id'])})"
        for r in data["stale_t3"]
    ] or ["No stale Tier 3 cases."]
    blocks += [section("*Stale Tier 3*\n" + "\n".join(lines)), divider()]
    lines = [
        f"*{r['case_ref']}* {r['kind']}: {r['reason']} (ETA {day(r['eta'], tz)}, {who(r['owner_slack_id'])})"
        for r in data["blockers"]
    ] or ["No blockers past their ETA."]
    blocks += [section("*Blockers past ETA*\n" + "\n".join(lines)), divider()]
    lines = [
        f"{day(r['occurred_at'], tz)} *{r['case_ref']}* {r['summary'] or r['kind']} ({who(r['actor'])})"
        for r in data["recent"]
    ] or ["No events yet."]
    blocks += [
        section("*Recent events*\n" + "\n".join(lines)),
        {"type": "actions", "elements": [button("Refresh", ids.A_REFRESH_HOME, "home")]},
        context("Type `/enforce help` anywhere for the commands."),
    ]
    return {"type": "home", "callback_id": ids.HOME, "blocks": blocks}


def no_access(user: str) -> dict[str, Any]:
    """The App Home for someone without a role: no case data, just how to get access."""
    return {
        "type": "home",
        "callback_id": ids.HOME,
        "blocks": [
            header("Dragonfly"),
            section(
                ":lock: *No access.* Case information here is for people with a Dragonfly role.\n"
                f"Ask an admin to run `dragonfly users grant {user} viewer`."
            ),
        ],
    }
