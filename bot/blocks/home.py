"""The App Home tab: the Ops Console."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot import ids
from bot.blocks.common import Block, button, clip, context, count, day, divider, esc, header, money, section, who


def ops_console(data: dict[str, Any], *, tz: tzinfo) -> dict[str, Any]:
    blocks: list[Block] = [header("Dragonfly Ops Console")]
    lines = [
        f"*Tier {r['tier']}*: {count(r['cases'])} cases · {money(r['balance'])} · "
        f"{count(r['sla_breaches'])} SLA breaches"
        for r in data["overview"]
    ] or ["No open cases."]
    blocks += [section("*By tier*\n" + "\n".join(lines)), divider()]
    lines = [
        f"*{r['case_ref']}* T{r['tier']} {r['stage']} {_name(r['debtor_name'])} - next {day(r['next_action_at'], tz)}"
        for r in data["past_due"]
    ] or ["Nothing past due. :tada:"]
    blocks += [section("*My past-due queue*\n" + "\n".join(lines)), divider()]
    lines = [
        f"*{r['case_ref']}* {r['stage']} {r['dwell_days']} days - {_name(r['debtor_name'])}"
        f" ({who(r['owner_slack_id'])})"
        for r in data["stale_t3"]
    ] or ["No stale Tier 3 cases."]
    blocks += [section("*Stale Tier 3*\n" + "\n".join(lines)), divider()]
    lines = [
        f"*{r['case_ref']}* {esc(r['kind'])}: {esc(clip(r['reason'] or '', 200))}"
        f" (ETA {day(r['eta'], tz)}, {who(r['owner_slack_id'])})"
        for r in data["blockers"]
    ] or ["No blockers past their ETA."]
    blocks += [section("*Blockers past ETA*\n" + "\n".join(lines)), divider()]
    lines = [
        f"{day(r['occurred_at'], tz)} *{r['case_ref']}* {esc(clip(r['summary'] or r['kind'], 200))} ({who(r['actor'])})"
        for r in data["recent"]
    ] or ["No events yet."]
    blocks += [
        section("*Recent events*\n" + "\n".join(lines)),
        {"type": "actions", "block_id": "df_home_actions", "elements": [button("Refresh", ids.A_REFRESH_HOME, "home")]},
        context("Type `/enforce help` anywhere for the commands."),
    ]
    return {"type": "home", "callback_id": ids.HOME, "blocks": blocks}


def _name(name: Any) -> str:
    return esc(clip(str(name or ""), 80))


def refused(view: dict[str, Any], reason: str) -> dict[str, Any]:
    """The App Home again with the reason a button click was refused at the top, so the person
    sees why nothing happened (a click in the Home tab has no channel to answer in)."""
    notice = section(f":no_entry: {reason}", block_id="df_home_refused")
    blocks = [b for b in view.get("blocks") or [] if b.get("block_id") != "df_home_refused"]
    return {**view, "blocks": [notice, *blocks][:100]}


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
