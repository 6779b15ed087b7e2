"""No second post after a crash mid-send (issue 10 item 4).

A worker that dies after Slack accepted a `chat.postMessage` but before it marked the row sent
leaves the row claimed; when the lease runs out another worker claims it again. So every
message the outbox posts carries its row id in Slack's message metadata, and a row claimed for
a second time or more is first looked for in its channel (conversations.history, or
conversations.replies for a thread reply, from the row's creation on): if the message is there,
the row is marked sent with that message's ts instead of being posted again.

What remains (README "Guarantees"): an ephemeral message (chat.postEphemeral) cannot be looked
up, so one can be shown twice after such a crash; views.publish replaces the whole App Home, so a
repeat is harmless; a file upload can be repeated. A lookup that Slack refuses for a reason other
than load (a missing history scope, a channel the bot left) is logged and the row is sent.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Connection, text

log = logging.getLogger(__name__)

METADATA_EVENT = "dragonfly_outbox"
# How many pages of history (200 messages each) to read back to the row's creation at most.
MAX_PAGES = 10


def with_key(row: dict[str, Any]) -> dict[str, Any]:
    """The row's payload, a chat.postMessage tagged with the row's id in its metadata."""
    payload = dict(row["payload"])
    if row["method"] == "chat.postMessage" and "metadata" not in payload:
        payload["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"outbox_id": int(row["id"])}}
    return payload


def posted_before(client: WebClient, conn: Connection, row: dict[str, Any], token: int) -> str | None:
    """The ts of this row's message if an earlier claim of the row already posted it; None if
    it was not found (or this is the row's first claim, or the method cannot be looked up)."""
    if token <= 1 or row["method"] != "chat.postMessage" or "metadata" in row["payload"]:
        return None
    from scheduler.outbox import _dm_channel, _is_user

    created = conn.execute(text("SELECT created_at FROM v_outbox WHERE id = :id"), {"id": row["id"]}).scalar_one()
    args = row["payload"]
    channel = str(args["channel"])
    try:
        if _is_user(channel):
            channel = _dm_channel(client, channel)
        oldest = f"{created.timestamp() - 60:.6f}"  # a minute of clock skew between us and Slack
        if args.get("thread_ts"):
            pages = client.conversations_replies(
                channel=channel, ts=args["thread_ts"], oldest=oldest, include_all_metadata=True, limit=200
            )
        else:
            pages = client.conversations_history(channel=channel, oldest=oldest, include_all_metadata=True, limit=200)
        for n, page in enumerate(pages):
            for message in page.get("messages") or []:
                meta = message.get("metadata") or {}
                if meta.get("event_type") == METADATA_EVENT and (meta.get("event_payload") or {}).get(
                    "outbox_id"
                ) == int(row["id"]):
                    log.warning(
                        "outbox #%s was posted before a crash (ts %s): not posting again", row["id"], message["ts"]
                    )
                    return str(message["ts"])
            if n + 1 >= MAX_PAGES:
                break
    except SlackApiError as exc:
        status = getattr(exc.response, "status_code", 200)
        if status == 429 or status >= 500:
            raise  # Slack is loaded: retry the row later rather than risk a double
        log.warning(
            "outbox #%s: could not look for an earlier post (%s); sending", row["id"], exc.response.get("error")
        )
    return None
