"""The case card, the `mine` list and the help text."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from bot import ids
from bot.blocks.common import Block, button, context, day, divider, header, money, section, who

HELP = """*/enforce* sub-commands (leave arguments out to get a form):
- `help` - this list
- `case DF-n` - the case card · `mine` - my open cases, past due first
- `stage DF-n <stage> [note]` (closing: `stage DF-n closed <reason>`) - add `clear-blockers` to clear them
- `block DF-n <kind> <reason> eta:YYYY-MM-DD` · `unblock DF-n`
- `override DF-n <tier> until:YYYY-MM-DD <reason>` (admins)
- `assign DF-n @person` · `note DF-n <text>` · `next DF-n YYYY-MM-DD [what]`
- `pay DF-n <amount> [kind]` - e.g. `pay DF-1042 1,250.00 direct` (proof document in the thread)
- `levy` · `garnish` · `subpoena` · `restrain` · `marshal` · `search` `DF-n [recipient]` - start a workflow
- `advance DF-n <workflow-id> <state> [note]` - the next step of a workflow
- `address DF-n <debtor|garnishee|employer|officer> [<name>;] <street>; <city, NY ZIP>` - where papers go
- `draft DF-n <paper> [recipient]` - a draft paper from the case: subpoena, exemption,
  property-execution, income-execution, transmittal, payoff
Steps that are legal acts need their document: upload it in the form or in the thread I post."""


def _linked(name: str, url: str | None) -> str:
    return f"<{url}|{name}>" if url and url.startswith("http") else name


def help_blocks() -> list[Block]:
    return [section(HELP)]


def case_card(
    *,
    case: Any,
    blockers: list[Any],
    actions: list[Any],
    events: list[Any],
    documents: list[Any],
    links: dict[int, str] | None = None,
    tz: tzinfo,
    addresses: list[Any] | None = None,
) -> list[Block]:
    """Everything about one case a person needs to act on it, with buttons for the next steps."""
    ref = case.case_ref
    reasons = ", ".join(case.tier_reasons or []) or "no scoring facts yet"
    tier = f"*Tier {case.tier}* (score {case.tier_score}: {reasons})"
    if case.override_tier is not None:
        until = day(case.override_expires_at, tz)
        tier += f"\nOverride to Tier {case.override_tier} until {until}: {case.override_reason}"
    limit = f" of {case.stage_max_days}" if case.stage_max_days else ""
    breach = " :warning: SLA breached" if case.sla_breached else ""
    blocks: list[Block] = [
        header(f"{ref}: {case.plaintiff_name} v. {case.debtor_name}"),
        section(
            f"{tier}\n*Stage:* {case.stage} for {case.dwell_days}{limit} days{breach}\n"
            f"*Owner:* {who(case.owner_slack_id)} · *Next action:* {day(case.next_action_at, tz)}"
            f"{' - ' + case.next_action_what if case.next_action_what else ''}"
        ),
        section(
            f"*Balance:* {money(case.balance)} (principal {money(case.unpaid_principal)}, "
            f"interest {money(case.accrued_interest)}, costs {money(case.unpaid_costs)}) · "
            f"*Recovered:* {money(case.recovered)}\n_Interest: {case.interest_basis}_\n"
            f"{case.court}, {case.county} County, index {case.index_number}, entered {day(case.entered_on, tz)}"
        ),
    ]
    if addresses:  # debtor, garnishees, employer, officers: where papers and service go
        lines = [f"- {a.role}: {a.name}, {a.address.replace(chr(10), ', ')}" for a in addresses]
        blocks.append(section("*Addresses*\n" + "\n".join(lines)))
    if blockers:
        lines = [
            f"- {b.kind}: {b.reason} (ETA {day(b.eta, tz)}{', passed' if b.eta_passed else ''})"
            for b in blockers
        ]
        blocks.append(section("*Blockers*\n" + "\n".join(lines)))
    if actions:
        lines = [
            f"- #{a.action_id} {a.kind}: {a.state}"
            + (f", next deadline {day(a.next_deadline, tz)}" if a.next_deadline else "")
            for a in actions
        ]
        blocks.append(section("*Open workflows*\n" + "\n".join(lines)))
    if documents:
        lines = [
            f"- #{d.document_id} {d.kind}: {_linked(d.original_name, (links or {}).get(d.document_id))}"
            f" (sha256 {d.sha256[:10]})"
            for d in documents[-5:]
        ]
        blocks.append(section("*Documents*\n" + "\n".join(lines)))
    if events:
        lines = [f"- {day(e.occurred_at, tz)} {e.summary or e.kind} ({who(e.actor)})" for e in events]
        blocks.append(section("*Last events*\n" + "\n".join(lines)))
    if case.status == "open":
        blocks.append(
            {
                "type": "actions",
                "block_id": "df_case_actions",
                "elements": [
                    button("Move stage", ids.A_OPEN_STAGE, ref, "primary"),
                    button("Log blocker", ids.A_OPEN_BLOCK, ref),
                    button("Clear blockers", ids.A_UNBLOCK, ref),
                    button("Add note", ids.A_OPEN_NOTE, ref),
                    button("Next action", ids.A_OPEN_NEXT, ref),
                    button("Record payment", ids.A_OPEN_PAY, ref),
                ],
            }
        )
    return blocks


def mine(cases: list[Any], *, tz: tzinfo) -> list[Block]:
    if not cases:
        return [section("You own no open cases.")]
    lines = []
    now = datetime.now(UTC)
    for c in cases:
        # :alarm_clock: the next action is past due; :red_circle: an SLA is breached.
        flags = (":alarm_clock: " if c.next_action_at is not None and c.next_action_at < now else "") + (
            ":red_circle: " if c.sla_breached else ""
        )
        lines.append(
            f"{flags}*{c.case_ref}* T{c.tier} {c.stage} - {c.debtor_name} - "
            f"next {day(c.next_action_at, tz)} · {money(c.balance)}"
        )
    return [
        section(
            f"*Your open cases ({len(cases)})*, past due first (:alarm_clock: past due, :red_circle: SLA breached)"
        ),
        divider(),
        section("\n".join(lines)),
    ]


def waiting_for_document(
    *, case_ref: str, step: str, kinds: list[str], user: str, extra: list[Block] | None = None
) -> list[Block]:
    """`extra`: blocks after the text, e.g. the "Draft" buttons (bot/blocks/papers.py)."""
    return [
        section(
            f":page_facing_up: *{case_ref}: waiting for the document* for {step}.\n"
            f"<@{user}>, upload the {' or '.join(kinds)} as a reply in this thread "
            f"(PDF, PNG, JPEG, TIFF or DOCX). Nothing is recorded until it is stored."
            + (
                f"\nSay which it is in the upload message (e.g. `{kinds[1]}`); otherwise it is"
                f" filed as {kinds[0]}."
                if len(kinds) > 1
                else ""
            )
        ),
        context("Dragonfly records the step once the file is in storage, then replies here."),
        *(extra or []),
    ]
