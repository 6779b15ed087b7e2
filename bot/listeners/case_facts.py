"""What is known about a case beyond its stage: the tier override, the owner, notes and the
next action (`override`, `assign`, `note`, `next`), typed or in their forms."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlalchemy import Connection

from bot import ids, parsing
from bot.blocks import modals
from bot.blocks.common import clip, esc
from bot.listeners import Form, Request, Statement, SubCommand, calls, subcommand
from bot.listeners.common import form_button
from dragonfly import rpc
from dragonfly.errors import MissingReason


def do_override(conn: Connection, user: str, *, case_ref: str, tier: int, until: Any, reason: str, tz: Any) -> str:
    rpc.set_tier_override(
        conn,
        case_ref=case_ref,
        tier=tier,
        reason=reason,
        expires_at=parsing.start_of(until, tz),
        actor=user,
    )
    return f":level_slider: {case_ref} is Tier {tier} until {until}: {esc(clip(reason, 300))}."


def do_assign(conn: Connection, user: str, *, case_ref: str, owner: str) -> str:
    rpc.assign_case_owner(conn, case_ref=case_ref, owner=owner, actor=user)
    return f":bust_in_silhouette: {case_ref} now belongs to <@{owner}>."


def do_note(conn: Connection, user: str, *, case_ref: str, note: str) -> str:
    rpc.add_case_note(conn, case_ref=case_ref, text=note, actor=user)
    return note_text(case_ref)


def note_text(case_ref: str) -> str:
    return f":memo: Note added to {case_ref}."


def note_statement(a: dict[str, Any]) -> Statement:
    """The typed note as one statement (slack_command, sql/0110): same call, same reply."""
    return "note", {"case_ref": a["case_ref"], "text": a["note"]}, lambda _: note_text(a["case_ref"])


def do_next(conn: Connection, user: str, *, case_ref: str, when: Any, what: str | None, tz: Any) -> str:
    rpc.set_next_action(conn, case_ref=case_ref, at=parsing.start_of(when, tz, hour=9), what=what, actor=user)
    return f":calendar: Next action on {case_ref}: {when}{' - ' + esc(clip(what, 300)) if what else ''}."


def override_args(r: Request) -> dict[str, Any]:
    a = r.args
    ref = parsing.case_ref(a[0])
    if a[1] not in ("0", "1", "2", "3"):
        raise MissingReason(f'"{a[1]}" is not a tier', "Tiers are 0, 1, 2 or 3.")
    until_text, rest = parsing.prefixed(a[2:], "until:")
    if until_text is None:
        raise MissingReason("An override needs an end date", "Add until:YYYY-MM-DD (at most 90 days ahead).")
    until = parsing.future_date(until_text, tz=r.tz, what="end date")
    reason = " ".join(rest).strip()
    if not reason:
        raise MissingReason(f"An override of {ref} needs a reason", r.usage())
    return dict(case_ref=ref, tier=int(a[1]), until=until, reason=reason, tz=r.tz)


def override_fields(f: Form) -> dict[str, Any]:
    until = f.field(ids.B_DATE, lambda: parsing.future_date(f.value(ids.B_DATE), tz=f.tz, what="end date"))
    tier = f.value(ids.B_TIER)
    return dict(case_ref=f.value(ids.B_CASE), tier=int(tier), until=until, reason=f.value(ids.B_REASON), tz=f.tz)


def next_args(r: Request) -> dict[str, Any]:
    a = r.args
    when = parsing.future_date(a[1], tz=r.tz, what="next action date")
    return dict(case_ref=parsing.case_ref(a[0]), when=when, what=" ".join(a[2:]) or None, tz=r.tz)


def next_fields(f: Form) -> dict[str, Any]:
    when = f.field(ids.B_DATE, lambda: parsing.future_date(f.value(ids.B_DATE), tz=f.tz, what="next action date"))
    return dict(case_ref=f.value(ids.B_CASE), when=when, what=f.value(ids.B_WHAT), tz=f.tz)


def note_args(r: Request) -> dict[str, Any]:
    ref = parsing.case_ref(r.args[0])
    return dict(case_ref=ref, note=(r.body.get("text") or "").split(None, 2)[2].strip())


OVERRIDE = SubCommand(
    "override",
    "DF-n <tier> until:YYYY-MM-DD <reason>",
    "a tier until a date (admins)",
    role="admin",
    what="Overriding a tier",
    parse=override_args,
    work=calls(do_override),
    modal=modals.override_modal,
    needs=2,
    view=ids.VIEW_OVERRIDE,
    read=override_fields,
    error_block=ids.B_DATE,
)
ASSIGN = SubCommand(
    "assign",
    "DF-n @person",
    "give the case to someone",
    what="Assigning a case",
    parse=lambda r: dict(case_ref=parsing.case_ref(r.args[0]), owner=parsing.slack_user(r.args[1])),
    work=calls(do_assign),
    modal=modals.assign_modal,
    needs=2,
    view=ids.VIEW_ASSIGN,
    read=lambda f: dict(case_ref=f.value(ids.B_CASE), owner=f.value(ids.B_USER)),
    error_block=ids.B_USER,
)
NOTE = SubCommand(
    "note",
    "DF-n <text>",
    "add a note",
    what="Adding a note",
    parse=note_args,
    work=calls(do_note),
    statement=note_statement,
    modal=modals.note_modal,
    needs=2,
    view=ids.VIEW_NOTE,
    read=lambda f: dict(case_ref=f.value(ids.B_CASE), note=f.value(ids.B_NOTE)),
    error_block=ids.B_NOTE,
)
NEXT = SubCommand(
    "next",
    "DF-n YYYY-MM-DD [what]",
    "the next action and its date",
    what="Setting the next action",
    parse=next_args,
    work=calls(do_next),
    modal=modals.next_modal,
    needs=2,
    view=ids.VIEW_NEXT,
    read=next_fields,
    error_block=ids.B_DATE,
)
COMMANDS = [OVERRIDE, ASSIGN, NOTE, NEXT]


def register(app: App) -> None:
    subcommand(app, *COMMANDS)
    form_button(app, ids.A_OPEN_NOTE, NOTE)
    form_button(app, ids.A_OPEN_NEXT, NEXT)
