"""The case card, the `mine` list and the "waiting for the document" message."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from bot import ids
from bot.blocks.common import (
    SECTION_TEXT_MAX,
    Block,
    button,
    clip,
    context,
    count,
    day,
    divider,
    esc,
    header,
    money,
    section,
    who,
)

# A typed text (blocker reason, note, next action, override reason) is shown on the card up to
# this many characters, with an ellipsis; "Show full texts" opens all of it (full_texts()).
CARD_TEXT_MAX = 300

def _linked(name: str, url: str | None) -> str:
    label = esc(name).replace("|", "¦")  # "|" would end a link's URL part early
    return f"<{url}|{label}>" if url and url.startswith("http") else label


class _Clipper:
    """Cuts typed texts for the card and remembers whether anything was cut."""

    def __init__(self) -> None:
        self.cut = False

    def __call__(self, text: Any, limit: int = CARD_TEXT_MAX) -> str:
        raw = "" if text is None else str(text)
        if len(raw) > limit:
            self.cut = True
        return esc(clip(raw, limit))

    def section(self, text: str) -> Block:
        if len(text) > SECTION_TEXT_MAX:
            self.cut = True
        return section(text)


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
    law: Any = None,
) -> list[Block]:
    """Everything about one case a person needs to act on it, with buttons for the next steps."""
    ref = case.case_ref
    cut = _Clipper()
    reasons = esc(", ".join(case.tier_reasons or [])) or "no scoring facts yet"
    tier = f"*Tier {case.tier}* (score {case.tier_score}: {reasons})"
    if case.override_tier is not None:
        until = day(case.override_expires_at, tz)
        tier += f"\nOverride to Tier {case.override_tier} until {until}: {cut(case.override_reason)}"
    limit = f" of {case.stage_max_days}" if case.stage_max_days else ""
    breach = " :warning: SLA breached" if case.sla_breached else ""
    blocks: list[Block] = [
        header(f"{ref}: {case.plaintiff_name} v. {case.debtor_name}"),
        section(
            f"{tier}\n*Stage:* {case.stage} for {case.dwell_days}{limit} days{breach}\n"
            f"*Owner:* {who(case.owner_slack_id)} · *Next action:* {day(case.next_action_at, tz)}"
            f"{' - ' + cut(case.next_action_what) if case.next_action_what else ''}"
        ),
        section(
            f"*Balance:* {money(case.balance)} (principal {money(case.unpaid_principal)}, "
            f"interest {money(case.accrued_interest)}, costs {money(case.unpaid_costs)}) · "
            f"*Recovered:* {money(case.recovered)}\n_Interest: {case.interest_basis}_\n"
            f"{esc(case.court)}, {esc(case.county)} County, index {esc(case.index_number)}, "
            f"entered {day(case.entered_on, tz)}"
        ),
    ]
    if addresses:  # debtor, garnishees, employer, officers: where papers and service go
        lines = [f"- {esc(a.role)}: {esc(a.name)}, {esc(a.address.replace(chr(10), ', '))}" for a in addresses]
        blocks.append(cut.section("*Addresses*\n" + "\n".join(lines)))
    if law is not None:
        blocks.extend(law_blocks(law, tz))
    if blockers:
        lines = [
            f"- {esc(b.kind)}: {cut(b.reason)} (ETA {day(b.eta, tz)}{', passed' if b.eta_passed else ''})"
            for b in blockers
        ]
        blocks.append(cut.section("*Blockers*\n" + "\n".join(lines)))
    if actions:
        lines = [
            f"- #{a.action_id} {esc(a.kind)}: {esc(a.state)}"
            + (f", next deadline {day(a.next_deadline, tz)}" if a.next_deadline else "")
            for a in actions
        ]
        blocks.append(cut.section("*Open workflows*\n" + "\n".join(lines)))
    if documents:
        lines = [
            f"- #{d.document_id} {d.kind}: {_linked(d.original_name, (links or {}).get(d.document_id))}"
            f" (sha256 {d.sha256[:10]})"
            for d in documents[-5:]
        ]
        blocks.append(cut.section("*Documents*\n" + "\n".join(lines)))
    if events:
        lines = [f"- {day(e.occurred_at, tz)} {cut(e.summary or e.kind)} ({who(e.actor)})" for e in events]
        blocks.append(cut.section("*Last events*\n" + "\n".join(lines)))
    elements = []
    if case.status == "open":
        elements = [
            button("Move stage", ids.A_OPEN_STAGE, ref, "primary"),
            button("Log blocker", ids.A_OPEN_BLOCK, ref),
            button("Clear blockers", ids.A_UNBLOCK, ref),
            button("Add note", ids.A_OPEN_NOTE, ref),
            button("Next action", ids.A_OPEN_NEXT, ref),
            button("Record payment", ids.A_OPEN_PAY, ref),
        ]
    if cut.cut:
        elements.append(button("Show full texts", ids.A_SHOW_FULL, ref))
        blocks.append(context("Long texts are cut at an ellipsis (…): *Show full texts* has all of them."))
    if elements:
        blocks.append({"type": "actions", "block_id": "df_case_actions", "elements": elements})
    return blocks


def _chunks(text: str, size: int = SECTION_TEXT_MAX) -> list[str]:
    """`text` in pieces of at most `size` characters, cut at a line or word end where possible."""
    pieces: list[str] = []
    while len(text) > size:
        at = max(text.rfind("\n", 0, size), text.rfind(" ", 0, size))
        at = at if at > size // 2 else size
        pieces.append(text[:at])
        text = text[at:].lstrip()
    return pieces + ([text] if text else [])


FULL_TEXT_BLOCKS = 100  # a modal's block limit


def full_texts(*, case: Any, blockers: list[Any], events: list[Any], tz: tzinfo) -> list[Block]:
    """Every typed text on the card, uncut: sections of at most 3,000 characters each."""
    items: list[tuple[str, str]] = []
    if case.override_reason:
        items.append(("Override reason", str(case.override_reason)))
    if case.next_action_what:
        items.append((f"Next action ({day(case.next_action_at, tz)})", str(case.next_action_what)))
    items += [(f"Blocker: {b.kind} (ETA {day(b.eta, tz)})", str(b.reason or "")) for b in blockers]
    items += [(f"{day(e.occurred_at, tz)} {e.kind}", str(e.summary or e.kind)) for e in events]
    blocks: list[Block] = []
    for title, body in items:
        pieces = _chunks(esc(body), SECTION_TEXT_MAX - 200)  # room for the label line
        for i, piece in enumerate(pieces):
            label = f"*{esc(clip(title, 150))}*" + (f" ({i + 1} of {len(pieces)})" if len(pieces) > 1 else "")
            blocks.append(section(f"{label}\n{piece}"))
    if len(blocks) > FULL_TEXT_BLOCKS:
        blocks = blocks[: FULL_TEXT_BLOCKS - 1] + [
            context(f"{count(len(blocks) - FULL_TEXT_BLOCKS + 1)} more parts: `dragonfly case show {case.case_ref}`.")
        ]
    return blocks or [section("Nothing typed on this case yet.")]


def law_blocks(law: Any, tz: tzinfo) -> list[Block]:
    """The law on the case (docs/domain.md): twenty years, the exempt amount, restraints and levies."""
    lines = []
    if law.presumed_paid:
        lines.append(
            f":warning: *Presumed paid* since {day(law.presumed_paid_on, tz)} (CPLR 211(b)): Tier 0, and no new"
            " levy, garnishment or restraint until an admin records the payment or written acknowledgment"
            " that renews it."
        )
    elif law.renewed_on is not None:
        lines.append(
            f"Renewed {day(law.renewed_on, tz)}; presumed paid from {day(law.presumed_paid_on, tz)} (CPLR 211(b))."
        )
    if law.debtor_is_person and law.bank_exemption is None:
        lines.append(
            ":warning: *Exempt amount unknown:* no minimum wage is recorded for this year (dragonfly doctor)."
        )
    if law.debtor_is_person and law.bank_exemption is not None:
        lines.append(
            f"*Exempt in the debtor's bank accounts:* {money(law.bank_exemption)} (CPLR 5222(i): 240 x the"
            " minimum wage); a restraint or levy there is served with the exemption notice and forms (5222-a)."
        )
    for r in law.restraints or []:
        if not r.get("garnishee_kind"):
            continue
        forms = (
            f"exemption forms #{r['exemption_document_id']}"
            if r.get("exemption_document_id")
            else ":warning: no exemption forms recorded"
            if r["garnishee_kind"] == "bank" and law.debtor_is_person
            else "no exemption forms needed"
        )
        lines.append(f"- #{r['action_id']} {r['kind']} on {r['garnishee_kind']}: {forms}")
    if getattr(law, "poundage_owed", 0):
        lines.append(
            f":warning: *Poundage still owed to the officer:* {money(law.poundage_owed)} (CPLR 8012(b)(2):"
            " paid directly or settled after a levy)."
        )
    for k in getattr(law, "liens", None) or []:
        if k.get("in_renewal_window"):
            lines.append(
                f":hourglass: Lien in {k['county']} County (docketed {day(k['docketed_on'], tz)}) expires"
                f" {day(k['expires_on'], tz)}: the renewal window is open (CPLR 5014)."
            )
        elif k.get("expired"):
            lines.append(f"Lien in {k['county']} County expired {day(k['expires_on'], tz)} (CPLR 5203(a)).")
    return [section("*The law on this case*\n" + "\n".join(lines))] if lines else []


MINE_PAGE = 20  # cases per page of `/enforce mine`: one section each, well under 50 blocks
MINE_FILTERS = {"all": "open cases", "past-due": "past-due cases", "breached": "cases with an SLA breach"}


def mine(cases: list[Any], *, tz: tzinfo, total: int, page: int = 1, filter_: str = "all") -> list[Block]:
    """One page of a person's open cases: one section per case with its Open button, an honest
    count of the rest, and buttons for the previous and next pages."""
    what = MINE_FILTERS.get(filter_, "open cases")
    if not cases:
        if total and page > 1:
            return [section(f"Page {page} is past the end: you have {count(total)} {what}.")]
        return [section(f"You own no {what}.")]
    now = datetime.now(UTC)
    first = (page - 1) * MINE_PAGE + 1
    last = first + len(cases) - 1
    blocks: list[Block] = [
        section(
            f"*Your {what}: {count(total)}*, past due first; {count(first)}-{count(last)} shown"
            " (:alarm_clock: past due, :red_circle: SLA breached)"
        ),
        divider(),
    ]
    for c in cases:
        # :alarm_clock: the next action is past due; :red_circle: an SLA is breached.
        flags = (":alarm_clock: " if c.next_action_at is not None and c.next_action_at < now else "") + (
            ":red_circle: " if c.sla_breached else ""
        )
        line = (
            f"{flags}*{c.case_ref}* T{c.tier} {c.stage} - {esc(clip(c.debtor_name or '', 120))} - "
            f"next {day(c.next_action_at, tz)} · {money(c.balance)}"
        )
        blocks.append(section(line, case_ref=c.case_ref))
    rest = total - last
    nav = []
    if page > 1:
        nav.append(button(f"Previous {MINE_PAGE}", f"{ids.A_MINE_PAGE}:previous", f"{filter_}:{page - 1}"))
    if rest > 0:
        typed = f"/enforce mine{'' if filter_ == 'all' else ' ' + filter_} {page + 1}"
        blocks.append(context(f"…and {count(rest)} more: `{typed}` or *Next* for the next page."))
        nav.append(
            button(f"Next {min(MINE_PAGE, rest)}", f"{ids.A_MINE_PAGE}:next", f"{filter_}:{page + 1}", "primary")
        )
    for name in MINE_FILTERS:
        if name != filter_:
            label = f"Only {name}" if name != "all" else "All my cases"
            nav.append(button(label, f"{ids.A_MINE_FILTER}:{name}", f"{name}:1"))
    blocks.append({"type": "actions", "block_id": "df_mine_nav", "elements": nav})
    return blocks


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
            ),
            block_id=ids.B_WAITING,
        ),
        context("Dragonfly records the step once the file is in storage, then replies here."),
        *(extra or []),
    ]
