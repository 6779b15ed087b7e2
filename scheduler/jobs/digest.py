"""Morning digest (business days 08:30): a DM to each owner with past-due next actions (Tier 3
and 2 first, then the most overdue), blockers past their ETA, workflow deadlines already past
(a section of their own), workflow deadlines within the next 3 business days, deadline
warnings recorded since the last digest and open cases without a next action; a roll-up by
owner to the ops channel. Closed cases never appear. Each section shows its first lines and its
count (sql/0121_digest_lines.sql), so the selection reads O(owners x sections) rows from indexes
for the lines, not every past-due case of the book."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from bot.blocks.common import count, esc
from scheduler import periods
from scheduler.jobs.base import MAX_BLOCKS, Context, Message, context, header, section

NAME = "digest"
PERIOD = periods.DAILY
BUSINESS_DAYS_ONLY = True

SECTIONS = {
    "past_due": "Past-due next actions",
    "blocker_eta": "Blockers past their ETA",
    "deadline_overdue": "Workflow deadlines past due",
    "deadline": "Workflow deadlines in the next 3 business days",
    "warning": "Deadline warnings since the last digest",
    "no_next_action": "Open cases without a next action",
}
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class Item:
    owner: str | None
    section: str
    case_ref: str
    case_number: int
    tier: int
    stage: str
    due_at: datetime | None
    due_on: date | None
    detail: str | None
    overdue_days: float | None

    def line(self, tz: ZoneInfo) -> str:
        """The line a person reads; times in the firm's zone `tz` (services.settings.tz)."""
        parts = [f"*{self.case_ref}* T{self.tier} · {self.stage}"]
        if self.due_at is not None:
            due = periods.local(self.due_at, tz)
            parts.append(f"due {due:%Y-%m-%d %H:%M} ({self.overdue_days} days overdue)")
        elif self.due_on is not None:
            if self.overdue_days is not None and self.overdue_days > 0:
                parts.append(f"due {self.due_on} ({self.overdue_days:g} days ago)")
            else:
                parts.append(f"due {self.due_on}")
        text_ = " · ".join(parts)
        return f"{text_}: {esc(self.detail)}" if self.detail else text_


# A DM shows at most MAX_BLOCKS blocks, so no section can show more lines than that; the rest are
# counted (digest_lines returns each section's count with its first lines).
PER_SECTION = MAX_BLOCKS


@dataclass(frozen=True)
class Digest:
    items: list[Item]  # the lines shown, in reading order (the first PER_SECTION of each section)
    counts: dict[tuple[str | None, str], int]  # (owner, section) -> lines in that section

    def owner_counts(self, owner: str | None) -> dict[str, int]:
        return {k: n for (o, k), n in self.counts.items() if o == owner}


def select_digest(
    conn: Connection, *, now: datetime, since: datetime | None = None, per_section: int | None = PER_SECTION
) -> Digest:
    """The digest for everyone: per owner and section its first `per_section` lines (all: None)
    and its count (sql/0121_digest_lines.sql)."""
    rows = conn.execute(
        text("SELECT * FROM digest_lines(:now, :since, 3, :per)"), {"now": now, "since": since, "per": per_section}
    )
    items, counts = [], {}
    for r in rows:
        counts[(r.owner, r.section)] = int(r.lines)
        items.append(
            Item(
                owner=r.owner,
                section=r.section,
                case_ref=r.case_ref,
                case_number=int(r.case_number),
                tier=int(r.tier),
                stage=r.stage,
                due_at=r.due_at,
                due_on=r.due_on,
                detail=r.detail,
                overdue_days=float(r.overdue_days) if r.overdue_days is not None else None,
            )
        )
    return Digest(items=items, counts=counts)


def select_items(conn: Connection, *, now: datetime, since: datetime | None = None) -> list[Item]:
    """Every digest line for everyone, in reading order."""
    return select_digest(conn, now=now, since=since, per_section=None).items


def owner_message(
    owner: str, items: list[Item], day: date, tz: ZoneInfo, counts: dict[str, int] | None = None
) -> Message:
    """`items`: the owner's lines in reading order; `counts`: lines per section (default: `items`')."""
    if counts is None:
        counts = {k: sum(1 for i in items if i.section == k) for k in SECTIONS}
    total = sum(counts.values())
    blocks: list[dict[str, Any]] = [header(f"Your enforcement digest, {day:%a %d %b %Y}")]
    shown = 0
    for key, title in SECTIONS.items():
        lines = [i for i in items if i.section == key]
        if not lines:
            continue
        if len(blocks) >= MAX_BLOCKS - 2:
            break
        blocks.append(section(f"*{title}* ({count(counts.get(key, len(lines)))})"))
        for item in lines:
            if len(blocks) >= MAX_BLOCKS - 1:
                break
            blocks.append(section(item.line(tz), case_ref=item.case_ref))
            shown += 1
    if shown < total:
        blocks.append(
            context(
                f"…and {count(total - shown)} more lines. `/enforce mine` pages through all your open"
                " cases, past due first (`/enforce mine past-due` for the past-due ones only)."
            )
        )
    summary = ", ".join(f"{count(counts[k])} {t.lower()}" for k, t in SECTIONS.items() if counts.get(k))
    return Message(
        recipient=owner,
        method="chat.postMessage",
        payload={"channel": owner, "text": f"Enforcement digest: {summary}", "blocks": blocks},
    )


def rollup_message(channel: str, lines: dict[tuple[str | None, str], int], day: date) -> Message:
    """`lines`: (owner, section) -> how many lines (Digest.counts)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (owner, key), n in lines.items():
        counts[owner or UNASSIGNED][key] += n
    blocks: list[dict[str, Any]] = [header(f"Digest roll-up by owner, {day:%a %d %b %Y}")]
    if not counts:
        blocks.append(
            section("Nothing past due, no blockers past their ETA, no deadlines in the next 3 business days.")
        )
    for owner, by_section in list(counts.items())[: MAX_BLOCKS - 2]:
        who = owner if owner == UNASSIGNED else f"<@{owner}>"
        detail = ", ".join(f"{count(by_section[k])} {t.lower()}" for k, t in SECTIONS.items() if by_section.get(k))
        blocks.append(section(f"{who}: {detail}"))
    if len(counts) > MAX_BLOCKS - 2:
        blocks.append(context(f"…and {count(len(counts) - (MAX_BLOCKS - 2))} more owners."))
    return Message(
        recipient="ops",
        method="chat.postMessage",
        payload={
            "channel": channel,
            "text": f"Digest roll-up: {count(sum(lines.values()))} items, {count(len(counts))} owners",
            "blocks": blocks,
        },
    )


def build(conn: Connection, ctx: Context) -> tuple[list[Message], dict[str, Any]]:
    today = ctx.today
    local_now = periods.local(ctx.now, ctx.tz)
    since = periods.at_local(periods.previous_business_day(today), local_now.timetz().replace(tzinfo=None), ctx.tz)
    selected = select_digest(conn, now=ctx.now, since=since)
    by_owner: dict[str, list[Item]] = defaultdict(list)
    for item in selected.items:
        if item.owner:
            by_owner[item.owner].append(item)
    messages = [
        owner_message(owner, owner_items, today, ctx.tz, selected.owner_counts(owner))
        for owner, owner_items in by_owner.items()
    ]
    messages.append(rollup_message(ctx.services.settings.dragonfly_ops_channel, selected.counts, today))
    return messages, {"owners": len(by_owner), "items": sum(selected.counts.values())}
