"""Working a case: help, case, stage, block, unblock, override, assign, note, next."""

from __future__ import annotations

import contextlib
import re
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids, parsing, reads
from bot.blocks import cards, modals
from bot.blocks.common import clip, esc
from bot.listeners import args, subcommand
from bot.listeners.common import act, field, meta, open_modal, submit
from bot.middleware import require, services_of
from bot.service import Duplicate, meta_of, once, one_statement, tell, value
from dragonfly import rpc
from dragonfly.errors import MissingReason, UnknownCase


def card_blocks(case_ref: str, services: Any) -> list[dict[str, Any]]:
    # One prepared statement on the request path's pool: the card and the law on it (issue 15).
    c, law = reads.card_with_law(services=services, case_ref=case_ref)
    if c is None:
        raise UnknownCase(
            f"There is no case {case_ref}", "Check the number, or pick it: /enforce case"
        )
    links = {}
    if c.documents:  # presigned links (S3) are made locally, no request
        links = {
            d.document_id: services.store.link(d.storage_key, timedelta(hours=1))
            for d in c.documents[-5:]
        }
    return cards.case_card(
        case=c.case,
        blockers=c.blockers,
        actions=c.actions,
        events=c.events,
        documents=c.documents,
        links=links,
        tz=services.settings.tz,
        addresses=c.addresses,
        law=law,
    )


# -- the work, shared by typed commands and modals ------------------------------------------------


def do_stage(
    conn: Connection,
    user: str,
    *,
    case_ref: str,
    stage: str,
    note: str | None,
    closing_reason: str | None,
    clear: bool,
) -> str:
    r = rpc.set_enforcement_stage(
        conn,
        case_ref=case_ref,
        stage=stage.lower(),
        actor=user,
        note=note,
        closing_reason=closing_reason,
        clear_blockers=clear,
    )
    return stage_text(r)


def stage_text(r: Any) -> str:
    cleared = f"; {r['blockers_cleared']} blocker(s) cleared" if r.get("blockers_cleared") else ""
    return f":white_check_mark: {r['case_ref']}: {r['from']} -> {r['to']} after {r['dwell_days']} days{cleared}."


def do_block(
    conn: Connection, user: str, *, case_ref: str, kind: str, reason: str, eta: Any
) -> str:
    r = rpc.log_enforcement_blocker(
        conn, case_ref=case_ref, kind=kind, reason=reason, eta=eta, actor=user
    )
    return (
        f":construction: {case_ref} blocked ({esc(kind)}): {esc(clip(reason, 300))}. ETA {eta}; "
        f"the next action is then. {_id(r)}"
    )


def do_override(
    conn: Connection, user: str, *, case_ref: str, tier: int, until: Any, reason: str, tz: Any
) -> str:
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


def do_next(
    conn: Connection, user: str, *, case_ref: str, when: Any, what: str | None, tz: Any
) -> str:
    rpc.set_next_action(
        conn, case_ref=case_ref, at=parsing.start_of(when, tz, hour=9), what=what, actor=user
    )
    return f":calendar: Next action on {case_ref}: {when}{' - ' + esc(clip(what, 300)) if what else ''}."


def _id(r: Any) -> str:
    return f"(blocker #{r['blocker_id']})" if isinstance(r, dict) and r.get("blocker_id") else ""


def register(app: App) -> None:
    @subcommand(app, "help")
    def help_command(ack: Any) -> None:
        ack(text=cards.HELP, blocks=cards.help_blocks(), response_type="ephemeral")

    @subcommand(app, "case")
    def case_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        require(context, "viewer", "Reading a case")
        a = args(body)
        if not a:
            open_modal(ack=ack, client=client, body=body, view=modals.case_modal(meta(body)))
            return
        blocks = card_blocks(parsing.case_ref(a[0]), services_of(context))
        ack(text=f"Case {parsing.case_ref(a[0])}", blocks=blocks, response_type="ephemeral")

    @subcommand(app, "stage")
    def stage_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        a = args(body)
        if len(a) < 2:
            require(context, "officer", "Moving a case's stage")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(ack=ack, client=client, body=body, view=modals.stage_modal(meta(body), ref))
            return
        ref, stage, rest = parsing.case_ref(a[0]), a[1].lower(), a[2:]
        clear = any(t.lower() in ("clear-blockers", "--clear-blockers") for t in rest)
        rest = [t for t in rest if t.lower() not in ("clear-blockers", "--clear-blockers")]
        reason = None
        if stage == "closed":
            if not rest:
                raise MissingReason(
                    f"Closing {ref} needs a reason",
                    "Write: stage DF-n closed <satisfied|settled|uncollectible|vacated|"
                    "bankruptcy_discharge> [note]",
                )
            reason, rest = rest[0].lower(), rest[1:]
        note = " ".join(rest) or None
        one_statement(  # as act(... do_stage ...), in one round trip (issue 15)
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Moving a case's stage",
            op="stage",
            args={"case_ref": ref, "stage": stage, "note": note, "closing_reason": reason, "clear_blockers": clear},
            reply=stage_text,
        )

    @subcommand(app, "block")
    def block_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        a = args(body)
        if len(a) < 2:
            require(context, "officer", "Logging a blocker")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(ack=ack, client=client, body=body, view=modals.block_modal(meta(body), ref))
            return
        tz = services_of(context).settings.tz
        ref, kind = parsing.case_ref(a[0]), a[1].lower()
        eta_text, rest = parsing.prefixed(a[2:], "eta:")
        reason = " ".join(rest).strip()
        if not reason:
            raise MissingReason(
                f"A blocker on {ref} needs a reason",
                "Write: block DF-n <kind> <reason> eta:YYYY-MM-DD",
            )
        if eta_text is None:
            raise MissingReason(
                f"A blocker on {ref} needs an ETA", "Add eta:YYYY-MM-DD (today or later)."
            )
        eta = parsing.future_date(eta_text, tz=tz, what="ETA", allow_today=True)
        act(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Logging a blocker",
            work=lambda conn, user: do_block(
                conn, user, case_ref=ref, kind=kind, reason=reason, eta=eta
            ),
        )

    @subcommand(app, "unblock")
    def unblock_command(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        a = args(body)
        if not a:
            raise MissingReason("Which case?", "Write: unblock DF-n")
        ref = parsing.case_ref(a[0])
        note = " ".join(a[1:]) or None

        def work(conn: Connection, user: str) -> str:
            r = rpc.clear_enforcement_blocker(conn, case_ref=ref, actor=user, note=note)
            return f":white_check_mark: {ref}: {len(r.get('cleared') or [])} blocker(s) cleared."

        act(
            ack=ack, context=context, body=body, role="officer", what="Clearing blockers", work=work
        )

    @subcommand(app, "override")
    def override_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        a = args(body)
        if len(a) < 2:
            require(context, "admin", "Overriding a tier")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(
                ack=ack, client=client, body=body, view=modals.override_modal(meta(body), ref)
            )
            return
        require(context, "admin", "Overriding a tier")
        tz = services_of(context).settings.tz
        ref = parsing.case_ref(a[0])
        if a[1] not in ("0", "1", "2", "3"):
            raise MissingReason(f'"{a[1]}" is not a tier', "Tiers are 0, 1, 2 or 3.")
        tier = int(a[1])
        until_text, rest = parsing.prefixed(a[2:], "until:")
        if until_text is None:
            raise MissingReason(
                "An override needs an end date", "Add until:YYYY-MM-DD (at most 90 days ahead)."
            )
        until = parsing.future_date(until_text, tz=tz, what="end date")
        reason = " ".join(rest).strip()
        if not reason:
            raise MissingReason(
                f"An override of {ref} needs a reason",
                "Write: override DF-n <tier> until:YYYY-MM-DD <reason>",
            )
        act(
            ack=ack,
            context=context,
            body=body,
            role="admin",
            what="Overriding a tier",
            work=lambda conn, user: do_override(
                conn, user, case_ref=ref, tier=tier, until=until, reason=reason, tz=tz
            ),
        )

    @subcommand(app, "assign")
    def assign_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        a = args(body)
        if len(a) < 2:
            require(context, "officer", "Assigning a case")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(ack=ack, client=client, body=body, view=modals.assign_modal(meta(body), ref))
            return
        ref, owner = parsing.case_ref(a[0]), parsing.slack_user(a[1])
        act(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Assigning a case",
            work=lambda conn, user: do_assign(conn, user, case_ref=ref, owner=owner),
        )

    @subcommand(app, "note")
    def note_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        a = args(body)
        if len(a) < 2:
            require(context, "officer", "Adding a note")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(ack=ack, client=client, body=body, view=modals.note_modal(meta(body), ref))
            return
        ref = parsing.case_ref(a[0])
        text = (body.get("text") or "").split(None, 2)[2].strip()
        one_statement(  # as act(... do_note ...), in one round trip (issue 15)
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Adding a note",
            op="note",
            args={"case_ref": ref, "text": text},
            reply=lambda _: note_text(ref),
        )

    @subcommand(app, "next")
    def next_command(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        a = args(body)
        if len(a) < 2:
            require(context, "officer", "Setting the next action")
            ref = parsing.case_ref(a[0]) if a else None
            open_modal(ack=ack, client=client, body=body, view=modals.next_modal(meta(body), ref))
            return
        tz = services_of(context).settings.tz
        ref, when = (
            parsing.case_ref(a[0]),
            parsing.future_date(a[1], tz=tz, what="next action date"),
        )
        what = " ".join(a[2:]) or None
        act(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Setting the next action",
            work=lambda conn, user: do_next(conn, user, case_ref=ref, when=when, what=what, tz=tz),
        )

    # -- modals ---------------------------------------------------------------------------------
    @app.view(ids.VIEW_CASE)
    def case_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        require(context, "viewer", "Reading a case")
        ref = value(body["view"], ids.B_CASE)
        blocks = card_blocks(ref, services_of(context))
        ack(response_action="update", view=modals.card_modal(blocks, meta_of(body["view"])))

    @app.view(ids.VIEW_STAGE)
    def stage_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        view = body["view"]
        ref, stage = value(view, ids.B_CASE), value(view, ids.B_STAGE)
        reason, note = value(view, ids.B_REASON), value(view, ids.B_NOTE)
        errors = (
            {ids.B_REASON: "Closing needs a reason."} if stage == "closed" and not reason else {}
        )
        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Moving a case's stage",
            errors=errors,
            error_block=ids.B_STAGE,
            work=lambda conn, user: do_stage(
                conn, user, case_ref=ref, stage=stage, note=note, closing_reason=reason, clear=False
            ),
        )

    @app.view(ids.VIEW_BLOCK)
    def block_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        view, tz = body["view"], services_of(context).settings.tz
        errors: dict[str, str] = {}
        ref, kind, reason = (
            value(view, ids.B_CASE),
            value(view, ids.B_KIND),
            value(view, ids.B_REASON),
        )
        eta = field(
            errors,
            ids.B_DATE,
            lambda: parsing.future_date(
                value(view, ids.B_DATE), tz=tz, what="ETA", allow_today=True
            ),
        )
        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Logging a blocker",
            errors=errors,
            error_block=ids.B_REASON,
            work=lambda conn, user: do_block(
                conn, user, case_ref=ref, kind=kind, reason=reason, eta=eta
            ),
        )

    @app.view(ids.VIEW_OVERRIDE)
    def override_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        view, tz = body["view"], services_of(context).settings.tz
        errors: dict[str, str] = {}
        ref, tier, reason = (
            value(view, ids.B_CASE),
            value(view, ids.B_TIER),
            value(view, ids.B_REASON),
        )
        until = field(
            errors,
            ids.B_DATE,
            lambda: parsing.future_date(value(view, ids.B_DATE), tz=tz, what="end date"),
        )
        submit(
            ack=ack,
            context=context,
            body=body,
            role="admin",
            what="Overriding a tier",
            errors=errors,
            error_block=ids.B_DATE,
            work=lambda conn, user: do_override(
                conn, user, case_ref=ref, tier=int(tier), until=until, reason=reason, tz=tz
            ),
        )

    @app.view(ids.VIEW_ASSIGN)
    def assign_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        view = body["view"]
        ref, owner = value(view, ids.B_CASE), value(view, ids.B_USER)
        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Assigning a case",
            error_block=ids.B_USER,
            work=lambda conn, user: do_assign(conn, user, case_ref=ref, owner=owner),
        )

    @app.view(ids.VIEW_NOTE)
    def note_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        view = body["view"]
        ref, note = value(view, ids.B_CASE), value(view, ids.B_NOTE)
        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Adding a note",
            error_block=ids.B_NOTE,
            work=lambda conn, user: do_note(conn, user, case_ref=ref, note=note),
        )

    @app.view(ids.VIEW_NEXT)
    def next_submitted(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        view, tz = body["view"], services_of(context).settings.tz
        errors: dict[str, str] = {}
        ref, what = value(view, ids.B_CASE), value(view, ids.B_WHAT)
        when = field(
            errors,
            ids.B_DATE,
            lambda: parsing.future_date(value(view, ids.B_DATE), tz=tz, what="next action date"),
        )
        submit(
            ack=ack,
            context=context,
            body=body,
            role="officer",
            what="Setting the next action",
            errors=errors,
            error_block=ids.B_DATE,
            work=lambda conn, user: do_next(conn, user, case_ref=ref, when=when, what=what, tz=tz),
        )

    # -- buttons on the case card -------------------------------------------------------------
    def opener(action_id: str, role: str, what: str, build: Any) -> None:
        @app.action(action_id)
        def open_form(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
            require(context, role, what)
            ref = body["actions"][0]["value"]
            open_modal(ack=ack, client=client, body=body, view=build(meta(body), ref))

    opener(ids.A_OPEN_STAGE, "officer", "Moving a case's stage", modals.stage_modal)
    opener(ids.A_OPEN_BLOCK, "officer", "Logging a blocker", modals.block_modal)
    opener(ids.A_OPEN_NOTE, "officer", "Adding a note", modals.note_modal)
    opener(ids.A_OPEN_NEXT, "officer", "Setting the next action", modals.next_modal)

    @app.action(ids.A_UNBLOCK)
    def unblock_clicked(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        user = require(context, "officer", "Clearing blockers")
        action = body["actions"][0]
        ref = action["value"]
        channel = (body.get("channel") or {}).get("id")

        def work(conn: Connection) -> None:
            r = rpc.clear_enforcement_blocker(conn, case_ref=ref, actor=user)
            tell(
                conn,
                user=user,
                channel=channel,
                text=f":white_check_mark: {ref}: {len(r.get('cleared') or [])} blocker(s) cleared.",
            )

        with contextlib.suppress(Duplicate):
            once(services_of(context), f"action:{action['action_ts']}", work)

    @app.action(re.compile(rf"^{ids.A_OPEN_CASE}(:|$)"))
    def open_case_clicked(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        """The "Open" button on digests and stale alerts: the case card, only to the person who
        clicked (ephemeral in the channel the message is in, else a DM)."""
        ack()
        user = require(context, "viewer", "Reading a case")
        ref = parsing.case_ref(body["actions"][0].get("value"))
        blocks = card_blocks(ref, services_of(context))
        channel = (body.get("channel") or {}).get("id")
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=f"Case {ref}", blocks=blocks)
        else:
            client.chat_postMessage(channel=user, text=f"Case {ref}", blocks=blocks)
