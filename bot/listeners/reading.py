"""Reading lists and long texts: `/enforce mine` (paged, with filters) and the card's
"Show full texts"."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext
from sqlmodel import Session

from bot import ids, parsing, reads
from bot.blocks import cards, modals
from bot.blocks.common import count
from bot.listeners import Request, SubCommand, subcommand
from bot.listeners.common import open_modal
from bot.middleware import require, services_of
from dragonfly import queries, rpc
from dragonfly.errors import InvalidInput, UnknownCase


def mine_args(words: list[str]) -> tuple[str, int]:
    """`mine [past-due|breached|all] [page]` -> (filter, page)."""
    filter_, page = "all", 1
    for w in words:
        if w.lower() in cards.MINE_FILTERS:
            filter_ = w.lower()
        elif w.isdigit() and int(w) >= 1:
            page = int(w)
        else:
            raise InvalidInput(
                f'"{w}" is not a page number or a filter',
                "Write: /enforce mine [past-due|breached] [page], e.g. /enforce mine past-due 2",
            )
    return filter_, page


def mine_page(context: BoltContext, user: str, *, filter_: str, page: int) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the blocks of one page of `/enforce mine`."""
    with Session(services_of(context).engine) as session:
        total = queries.count_my_cases(session=session, owner=user, filter_=filter_)
        rows = queries.my_cases(
            session=session, owner=user, filter_=filter_, limit=cards.MINE_PAGE, offset=(page - 1) * cards.MINE_PAGE
        )
    blocks = cards.mine(rows, tz=services_of(context).settings.tz, total=total, page=page, filter_=filter_)
    return f"Your {cards.MINE_FILTERS[filter_]}: {count(total)} (page {page})", blocks


def mine_reply(r: Request, user: str, parsed: tuple[str, int]) -> dict[str, Any]:
    text, blocks = mine_page(r.context, user, filter_=parsed[0], page=parsed[1])
    return {"text": text, "blocks": blocks}


COMMANDS = [
    SubCommand(
        "mine",
        "[past-due|breached] [page]",
        "my open cases, 20 a page, past due first",
        role="viewer",
        what="Listing your cases",
        parse=lambda r: mine_args(r.args),
        reply=mine_reply,
        needs=0,
    )
]


def register(app: App) -> None:
    subcommand(app, *COMMANDS)

    @app.action(re.compile(rf"^({ids.A_MINE_PAGE}|{ids.A_MINE_FILTER})(:|$)"))
    def mine_clicked(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        """`/enforce mine`'s Next / Previous / filter buttons: that page, to the clicker only."""
        ack()
        user = require(context, "viewer", "Listing your cases")
        filter_, _, page = str(body["actions"][0].get("value") or "all:1").partition(":")
        filter_ = filter_ if filter_ in cards.MINE_FILTERS else "all"
        text, blocks = mine_page(context, user, filter_=filter_, page=int(page) if page.isdigit() else 1)
        channel = (body.get("channel") or {}).get("id")
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
        else:
            client.chat_postMessage(channel=user, text=text, blocks=blocks)

    @app.action(ids.A_SHOW_FULL)
    def show_full_clicked(ack: Any, body: dict[str, Any], context: BoltContext, client: Any) -> None:
        """The card's "Show full texts": every typed text on the case, uncut, in a modal."""
        require(context, "viewer", "Reading a case")
        ref = parsing.case_ref(body["actions"][0].get("value"))
        tz = services_of(context).settings.tz
        with rpc.transaction(services_of(context).engine) as conn:
            c = reads.card(conn=conn, case_ref=ref)
        if c is None:
            raise UnknownCase(f"There is no case {ref}", "Check the number, or pick it: /enforce case")
        blocks = cards.full_texts(case=c.case, blockers=c.blockers, events=c.events, tz=tz)
        open_modal(ack=ack, client=client, body=body, view=modals.full_text_modal(ref, blocks))
