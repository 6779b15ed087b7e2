"""App Home: the Ops Console. Opening the tab or pressing refresh only queues "publish home for U"
(one row, coalesced per user) and returns at once: the outbox worker builds the view when it sends
it (scheduler/home.py), so no Slack request waits on reading the book. The view shows balances,
debtor names and payments, so the worker shows it only to people with a role (viewer or higher)
as they are at send time; anyone else gets a short page saying how to get access."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot import ids
from bot.middleware import services_of
from dragonfly import fastpath

# One prepared statement in autocommit on the request path's pool (dragonfly/fastpath.py): the ack
# waits on one round trip, not a ping, BEGIN, the call and COMMIT. Repeating it (a retried
# connection) joins the row it queued: the publish is coalesced per user.
_ENQUEUE_SQL = "SELECT enqueue_home_publish(%s)"


def queue_publish(context: BoltContext, user: str) -> None:
    services = services_of(context)
    fastpath.scalar(fastpath.pool(services.engine, services.database_url), _ENQUEUE_SQL, (user,))


def register(app: App) -> None:
    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            queue_publish(context, str(event["user"]))

    @app.action(ids.A_REFRESH_HOME)
    def refresh(ack: Any, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        queue_publish(context, body["user"]["id"])
