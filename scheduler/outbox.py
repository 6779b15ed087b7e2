"""The outbox worker: delivers queued Slack Web API calls, each row at most once accepted.

A row is claimed with a lease (`claim_outbox`, FOR UPDATE SKIP LOCKED), sent, and marked sent
only after Slack accepted it. Slack's 429 puts the row back for `Retry-After` seconds; 5xx and
network errors back off exponentially; other Slack refusals (channel_not_found, ...) are
permanent and fail the row. A row is sent only by the worker holding its claim token (the
`attempts` count of its claim), with the lease renewed and the row locked for the send, so two
scheduler processes never send one row twice (see `deliver_due`).

Only the methods in `HANDLERS` are sent (the SQL half of that allow-list, `outbox_methods`, refuses
anything else at enqueue time). Payloads are the Web API arguments, plus for `files_upload_v2` the
bytes inline as `content_b64` (never a path). A `channel` that is a user id (U.../W...) is a DM: the
worker opens the conversation first (`conversations.open`); an upload to a `#name` is sent to that
channel's id, looked up once per process (`conversations.list`).
"""

from __future__ import annotations

import base64
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from dragonfly import metrics, rpc
from dragonfly.bootstrap import Services
from scheduler import home
from scheduler.resend_check import posted_before, with_key

log = logging.getLogger(__name__)

CLIENT_TIMEOUT_SECONDS = 20
# The most Web API calls one row can take: files_upload_v2 to a #name is conversations.list,
# files.getUploadURLExternal, the upload itself and files.completeUploadExternal.
MAX_CALLS_PER_ROW = 5


BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0
# Slack's answers when the bot may not post in a channel.
NOT_IN_CHANNEL = {"not_in_channel", "channel_not_found"}
# Slack errors worth retrying although they come with a 200.
RETRYABLE_ERRORS = {
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one row: sent (with ts), retry after `delay`, or failed."""

    status: str
    delay: float = 0.0
    error: str | None = None
    ts: str | None = None


def client_for(services: Services) -> WebClient:
    """A Web API client without retry handlers: this worker owns retries (durably, in the row)."""
    cached = services.extras.get("outbox_client")
    if cached is None:
        base = services.slack
        cached = WebClient(
            token=base.token,
            base_url=base.base_url,
            timeout=CLIENT_TIMEOUT_SECONDS,
            retry_handlers=[],
        )
        services.extras["outbox_client"] = cached
    return cached


def backoff(attempts: int) -> float:
    """Exponential back-off with jitter: 5 s, 10 s, 20 s ... capped at an hour."""
    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return delay * random.uniform(0.8, 1.2)


def _is_user(channel: Any) -> bool:
    return isinstance(channel, str) and channel[:1] in ("U", "W") and channel[1:].isalnum()


def _is_conversation_id(channel: Any) -> bool:
    return isinstance(channel, str) and channel[:1] in ("C", "G", "D") and channel[1:].isalnum()


def _dm_channel(client: WebClient, user: str) -> str:
    opened = client.conversations_open(users=user)
    return str(opened["channel"]["id"])


class ChannelNotFound(Exception):
    """A channel name the bot cannot see: a permanent failure with a sentence saying what to do."""


def _channel_id(client: WebClient, channel: str) -> str:
    """The conversation id for `channel`: a DM for a user id, an id as it is, a `#name` looked up
    once per process with conversations.list (files.completeUploadExternal takes ids only)."""
    if _is_user(channel):
        return _dm_channel(client, channel)
    if _is_conversation_id(channel):
        return channel
    name = channel.removeprefix("#")
    cache: dict[str, str] = client.__dict__.setdefault("_dragonfly_channel_ids", {})
    if name not in cache:
        for page in client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000
        ):
            for conv in page.get("channels") or []:
                cache[str(conv.get("name"))] = str(conv.get("id"))
            if name in cache:
                break
    if name not in cache:
        raise ChannelNotFound(
            f"channel #{name} not found: invite @Dragonfly to it, or set the setting to the channel's ID (C...)"
        )
    return cache[name]


def _post_message(client: WebClient, args: dict[str, Any]) -> str | None:
    if _is_user(args.get("channel")):
        args["channel"] = _dm_channel(client, args["channel"])
    response = client.chat_postMessage(**args)
    return response.get("ts")


def _post_ephemeral(client: WebClient, args: dict[str, Any]) -> str | None:
    try:
        response = client.chat_postEphemeral(**args)
    except SlackApiError as exc:
        if (exc.response or {}).get("error") not in NOT_IN_CHANNEL:
            raise
        # A reply to someone in a channel the bot is not in (a form opened there): a DM instead,
        # saying how to get replies in the channel; the reply itself is never lost.
        note = f"\n_(I cannot post in <#{args['channel']}>: invite @Dragonfly there, or use a DM with me.)_"
        dm = {k: v for k, v in args.items() if k not in ("user", "channel", "thread_ts")}
        dm.update(channel=_dm_channel(client, args["user"]), text=f"{args.get('text', '')}{note}")
        return _post_message(client, dm)
    return response.get("message_ts")


def _publish_view(client: WebClient, args: dict[str, Any]) -> str | None:
    client.views_publish(user_id=args["user_id"], view=args["view"])
    return None


def _upload_file(client: WebClient, args: dict[str, Any]) -> str | None:
    # Only inline bytes: a `file` (a path on the worker's disk) is never read.
    response = client.files_upload_v2(
        channel=_channel_id(client, str(args["channel"])),
        content=base64.b64decode(args["content_b64"]),
        filename=args["filename"],
        title=args.get("title"),
        initial_comment=args.get("initial_comment"),
        thread_ts=args.get("thread_ts"),
        request_file_info=False,
    )
    files = response.get("files") or []
    return str(files[0].get("id")) if files else None


# The Web API calls the outbox makes, one handler each: the worker's half of the allow-list whose
# SQL half is the outbox_methods table (sql/0045_outbox_methods.sql; a test keeps them equal).
# Each handler calls one named slack_sdk method, so a row can never choose the URL.
HANDLERS: dict[str, Callable[[WebClient, dict[str, Any]], str | None]] = {
    "chat.postMessage": _post_message,
    "chat.postEphemeral": _post_ephemeral,
    "views.publish": _publish_view,
    # "publish home for U": the payload gets its view from scheduler/home.py when it is sent
    "home.publish": _publish_view,
    "files_upload_v2": _upload_file,
}


class MethodNotAllowed(Exception):
    """A row whose method is not one the outbox sends (never sent, failed at once)."""


def send(client: WebClient, method: str, payload: dict[str, Any]) -> str | None:
    """One Web API call for one row; returns Slack's ts (or file id) when there is one."""
    handler = HANDLERS.get(method)
    if handler is None:
        raise MethodNotAllowed(f"refused: {method!r} is not a Web API method the outbox sends")
    return handler(client, dict(payload))


def classify(exc: Exception, attempts: int) -> Outcome:
    """Turn a delivery error into retry-after-delay or a permanent failure."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        status = getattr(response, "status_code", 200)
        error = (response.get("error") if hasattr(response, "get") else None) or str(exc)
        headers = {k.lower(): v for k, v in (getattr(response, "headers", None) or {}).items()}
        if status == 429 or error == "ratelimited":
            value = headers.get("retry-after")
            if isinstance(value, list):
                value = value[0]
            try:
                delay = float(value) if value is not None else backoff(attempts)
            except ValueError:
                delay = backoff(attempts)
            return Outcome("retry", delay=delay, error=f"429 ratelimited, Retry-After {value}")
        if status >= 500 or error in RETRYABLE_ERRORS:
            return Outcome("retry", delay=backoff(attempts), error=f"HTTP {status}: {error}")
        return Outcome("failed", error=f"Slack refused: {error}")
    if isinstance(exc, (MethodNotAllowed, ChannelNotFound, KeyError, ValueError, TypeError)):
        return Outcome("failed", error=str(exc))
    # Network errors (refused, reset, timeout, DNS): try again later.
    return Outcome("retry", delay=backoff(attempts), error=f"{type(exc).__name__}: {exc}")


def row_lease_seconds(lease_seconds: int) -> int:
    """The lease renewed before each row's send: never shorter than the row can take to send."""
    return max(lease_seconds, MAX_CALLS_PER_ROW * CLIENT_TIMEOUT_SECONDS + 10)


def deliver_due(services: Services, limit: int = 20, *, lease_seconds: int = 60, max_attempts: int = 12) -> int:
    """Claim due rows and deliver them; returns how many Slack accepted.

    No row is ever sent by two workers. The `attempts` count claim_outbox returns is this
    worker's claim token. Before each send the worker renews the row's lease with the token (a
    committed, durable lease covering the slowest possible send) and then, in the transaction
    that will mark the row, locks it with the token: if the lease ran out while earlier rows of
    the batch were sent and another worker claimed the row again, both refuse and the row is
    skipped. While the lock is held no other worker can claim the row (claim_outbox skips locked
    rows), and the mark functions refuse a stale token.
    """
    with rpc.transaction(services.engine) as conn:
        rows = rpc.claim_outbox(conn, limit=limit, lease_seconds=lease_seconds)
    client = client_for(services)
    row_lease = row_lease_seconds(lease_seconds)
    sent = 0
    for row in rows:
        token = int(row["attempts"])
        key = {"row_id": row["id"], "token": token}
        with rpc.transaction(services.engine) as conn:
            held = rpc.renew_outbox_lease(conn, **key, lease_seconds=row_lease)
        if not held:
            log.info("outbox #%s: lease lost to another worker, not sending", row["id"])
            continue
        with rpc.transaction(services.engine) as conn:
            if not rpc.hold_outbox_row(conn, **key):
                log.info("outbox #%s: lease lost to another worker, not sending", row["id"])
                continue
            try:
                # A row claimed again may have been posted by a worker that died mid-send.
                ts = posted_before(client, conn, row, token)
                if ts is None:
                    method, payload = home.prepare(services, row["method"], row["payload"])
                    ts = send(client, method, with_key({**row, "method": method, "payload": payload}))
                outcome = Outcome("sent", ts=ts)
            except Exception as exc:  # every failure is recorded on the row, none is lost
                outcome = classify(exc, token)
            if outcome.status == "sent":
                rpc.mark_outbox_sent(conn, **key, slack_ts=outcome.ts)
                sent += 1
                metrics.DELIVERIES.labels("sent").inc()
            elif outcome.status == "retry":
                state = rpc.mark_outbox_retry(
                    conn, **key, delay_seconds=outcome.delay, error=outcome.error, max_attempts=max_attempts
                )
                metrics.DELIVERIES.labels("retry" if state == "pending" else "failed").inc()
                if state == "failed":
                    metrics.QUEUE_FAILURES.labels("outbox").inc()
                log.warning(
                    "outbox #%s %s: %s; %s, retry in %.1f s",
                    row["id"],
                    row["method"],
                    outcome.error,
                    state,
                    outcome.delay,
                )
            else:
                rpc.mark_outbox_retry(conn, **key, delay_seconds=0, error=outcome.error, max_attempts=0)
                metrics.DELIVERIES.labels("failed").inc()
                metrics.QUEUE_FAILURES.labels("outbox").inc()
                log.error("outbox #%s %s failed: %s", row["id"], row["method"], outcome.error)
    return sent
