"""The case picker: options loaded from the database by id, plaintiff or debtor, ranked."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot import ids, reads
from bot.blocks.common import option
from bot.middleware import require, services_of
from dragonfly import rpc


def register(app: App) -> None:
    @app.options(ids.CASE_PICKER)
    def case_options(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        require(context, "viewer", "Looking up cases")
        with rpc.transaction(services_of(context).engine) as conn:
            rows = reads.search_cases(conn=conn, query=body.get("value") or "", limit=100)
        ack(
            options=[
                option(f"{r['case_ref']} {r['plaintiff_name']} v. {r['debtor_name']}", r["case_ref"]) for r in rows
            ]
        )
