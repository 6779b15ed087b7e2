"""Weekly executive summary (Mondays 09:00, exec channel): per-tier cases and balance, SLA
breaches, median and p90 stage dwell, the workflow pipeline (kind x state with ages), recoveries
of the week just ended and of its month to date vs the plan, a random sample of 10 events for the
quality audit, and a chart (recoveries vs plan by week) uploaded with files_upload_v2.

"The week" is the ISO week before the run (Monday to Sunday); month to date runs from the first
of the month the week ends in through that Sunday."""

from __future__ import annotations

import base64
import io
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from bot.blocks.common import count, esc
from scheduler import periods
from scheduler.jobs.base import Context, Message, header, money, section

NAME = "weekly"
PERIOD = periods.WEEKLY
BUSINESS_DAYS_ONLY = False
CHART_WEEKS = 12
CHART_SIZE_IN = (8, 4)
CHART_DPI = 100  # 800 x 400 pixels


def reported_week(today: date) -> date:
    """The Monday of the week before `today`'s week."""
    return periods.week_start(today) - timedelta(days=7)


def summary(conn: Connection, *, now: Any, week: date) -> dict[str, Any]:
    return dict(conn.execute(text("SELECT weekly_summary(:now, :week)"), {"now": now, "week": week}).scalar_one())


def recoveries_by_week(conn: Connection, *, last_week: date, weeks: int = CHART_WEEKS) -> list[Any]:
    first = last_week - timedelta(days=7 * (weeks - 1))
    return list(conn.execute(text("SELECT * FROM weekly_recoveries(:first, :n)"), {"first": first, "n": weeks}))


def audit_sample(conn: Connection, *, week: date, tz: Any) -> list[Any]:
    start = periods.at_local(week, time(0), tz)
    end = periods.at_local(week + timedelta(days=7), time(0), tz)
    return list(conn.execute(text("SELECT * FROM audit_sample(:a, :b, 10)"), {"a": start, "b": end}))


def chart_png(rows: list[Any]) -> bytes:
    """Recoveries vs plan by week, as a PNG (matplotlib, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI)
    ax = fig.add_subplot()
    labels = [f"{r.week_start:%m-%d}" for r in rows]
    ax.bar(labels, [float(r.recovered) for r in rows], color="#2e7d32", label="recovered")
    ax.plot(labels, [float(r.plan) for r in rows], color="#c62828", marker="o", label="plan")
    ax.set_title("Recoveries vs plan by week")
    ax.set_ylabel("USD")
    ax.tick_params(axis="x", labelsize=7)
    ax.legend()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=CHART_DPI)
    return buf.getvalue()


def _pct(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole * 100):.0f}%" if whole else "no plan"


def build(conn: Connection, ctx: Context) -> tuple[list[Message], dict[str, Any]]:
    week = reported_week(ctx.today)
    s = summary(conn, now=ctx.now, week=week)
    rows = recoveries_by_week(conn, last_week=week)
    sample = audit_sample(conn, week=week, tz=ctx.tz)
    channel = ctx.services.settings.dragonfly_exec_channel
    plan = Decimal(str(s["month_plan"]))
    week_plan = next((Decimal(r.plan) for r in rows if r.week_start == week), Decimal(0))
    tiers = (
        "\n".join(
            f"Tier {t['tier']}: {count(t['cases'])} cases, {money(t['balance'])}, "
            f"{count(t['sla_breaches'])} SLA breaches"
            for t in s["tiers"]
        )
        or "No open cases."
    )
    dwell = (
        "\n".join(
            f"{d['stage']}: median {d['median_days']} d, p90 {d['p90_days']} d ({count(d['cases'])} cases)"
            for d in s["dwell"]
        )
        or "-"
    )
    pipeline = (
        "\n".join(
            f"{p['kind']} / {p['state']}: {count(p['actions'])} "
            f"(avg {p['avg_age_days']} d, oldest {p['max_age_days']} d)"
            for p in s["pipeline"][:40]
        )
        or "No open workflows."
    )
    week_rec, mtd = Decimal(str(s["recovered_week"])), Decimal(str(s["recovered_mtd"]))
    audit = (
        "\n".join(
            f"{e.case_ref} {periods.local(e.occurred_at, ctx.tz):%Y-%m-%d} {e.kind} by {esc(e.actor)}: "
            f"document {'yes' if e.has_document else 'NO'}, note {'yes' if e.has_note else 'no'}"
            for e in sample
        )
        or "No events this week."
    )
    blocks = [
        header(f"Weekly summary, week of {week:%d %b %Y}"),
        section(f"*Open cases by tier*\n{tiers}\n*SLA breaches:* {count(s['sla_breaches'])}"),
        section(f"*Stage dwell*\n{dwell}"),
        section(f"*Workflow pipeline*\n{pipeline}"),
        section(
            f"*Recoveries*\nWeek: {money(week_rec)} vs plan {money(week_plan)} "
            f"({_pct(week_rec, week_plan)})\n"
            f"Month to date ({s['month'][:7]}): {money(mtd)} vs plan {money(plan)} "
            f"({_pct(mtd, plan)})"
        ),
        section(f"*Quality audit sample*\n{audit}"),
    ]
    png = chart_png(rows)
    text_ = (
        f"Weekly summary, week of {week}: recovered {money(week_rec)}, month to date {money(mtd)} "
        f"of {money(plan)}; {count(s['sla_breaches'])} SLA breaches"
    )
    messages = [
        Message(
            recipient="exec",
            method="chat.postMessage",
            payload={"channel": channel, "text": text_, "blocks": blocks},
        ),
        Message(
            recipient="exec-chart",
            method="files_upload_v2",
            payload={
                "channel": channel,
                "filename": f"recoveries-{week}.png",
                "title": f"Recoveries vs plan, 12 weeks to {week + timedelta(days=6)}",
                "content_b64": base64.b64encode(png).decode(),
            },
        ),
    ]
    return messages, {"week": week, "summary": s, "chart_bytes": len(png), "sample": len(sample)}
