"""What the listeners share: one transaction per request that first claims the request key
(so a Slack retry, a double click or a resubmitted modal records nothing twice), replies that
go through the durable outbox, "waiting for the document" messages and ingestion rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

from bot import reads
from bot.blocks.cards import waiting_for_document
from dragonfly import fastpath, rpc
from dragonfly.bootstrap import Services
from dragonfly.errors import IdempotencyConflict, InvalidInput
from dragonfly.steps import Step

T = TypeVar("T")
DUPLICATE = (
    ":information_source: Already done: Slack sent this request again and it was recorded once."
)
ACCEPTED_FILE_TYPES = {"pdf", "png", "jpg", "jpeg", "tif", "tiff", "docx"}


class Duplicate(Exception):
    """The request key was claimed before: the request was already handled."""


AFTER_COMMIT = "dragonfly.after_commit"


def once(services: Services, key: str | None, work: Callable[[Connection], T]) -> T:
    """Run `work` in one transaction that claims `key` first; raise Duplicate if it was claimed.
    Calls that `work` deferred with after_commit run after the commit, outside the transaction."""
    with rpc.transaction(services.engine) as conn:
        try:
            if key and not rpc.claim_request(conn, key=key):
                raise Duplicate(key)
            result = work(conn)
            deferred: list[Callable[[], None]] = conn.info.get(AFTER_COMMIT, [])
        finally:
            conn.info.pop(AFTER_COMMIT, None)  # conn.info outlives this checkout of the connection
    for call in deferred:
        call()
    return result


def one_statement(
    *, ack: Any, context: Any, body: dict[str, Any], role: str, what: str, op: str, args: dict[str, Any],
    reply: Callable[[dict[str, Any]], str],
) -> None:
    """bot.listeners.common.act for a typed command that is one sanctioned call: the role check,
    then claim the request key, the call and the App Home refresh in one prepared statement
    (slack_command, sql/0110_slack_one_statement.sql), then the answer made by `reply` from the
    call's result (ephemeral). Same refusals, same records, one round trip instead of five."""
    from bot.middleware import require, services_of

    user = require(context, role, what)
    services = services_of(context)
    params = {k: v for k, v in args.items() if v is not None}  # left out: the SQL default
    rpc.refuse_unstorable_text(params)
    key = command_key(body)

    def work(conn: Any) -> Any:
        return conn.execute(_SLACK_COMMAND, (key, op, user, fastpath.jsonb(params))).fetchone()[0]

    result = fastpath.run(fastpath.pool(services.engine, services.database_url), work)
    ack(text=DUPLICATE if result is None else reply(result), response_type="ephemeral")


_SLACK_COMMAND = "SELECT slack_command(%s, %s, %s, %s)"


def after_commit(conn: Connection, call: Callable[[], None]) -> None:
    """Run `call` once the transaction on `conn` (opened by once()) has committed: a Web API
    call made inside a transaction would hold its locks for as long as Slack takes to answer."""
    conn.info.setdefault(AFTER_COMMIT, []).append(call)


def command_key(body: dict[str, Any]) -> str:
    """A slash command's identity: its trigger id is the same in Slack's retries of it."""
    return f"cmd:{body.get('trigger_id') or body.get('command_ts') or ''}"


def tell(
    conn: Connection,
    *,
    user: str,
    text: str,
    channel: str | None = None,
    thread_ts: str | None = None,
) -> None:
    """Queue an ephemeral message to `user` in `channel` (or a DM), delivered by the outbox worker."""
    if channel and not channel.startswith("D"):
        payload: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if thread_ts:
            payload["thread_ts"] = thread_ts
        rpc.enqueue_outbox(conn, method="chat.postEphemeral", payload=payload)
    else:
        rpc.enqueue_outbox(conn, method="chat.postMessage", payload={"channel": user, "text": text})


def refresh_home(conn: Connection, *, user: str) -> None:
    """Queue a fresh Ops Console for the user after their own action. Nothing is built here:
    the outbox worker builds the view when it sends (scheduler/home.py), and a queued publish the
    worker has not taken yet is joined, so many actions in a row publish once."""
    rpc.enqueue_home_publish(conn, user=user)


def check_file(file: dict[str, Any]) -> None:
    name = str(file.get("name") or "")
    ext = str(file.get("filetype") or (name.rsplit(".", 1)[-1] if "." in name else "")).lower()
    if ext not in ACCEPTED_FILE_TYPES:
        raise InvalidInput(
            f'"{name or file.get("id")}" is not a PDF, PNG, JPEG, TIFF or DOCX file',
            "Upload the document in one of those formats.",
        )


def ingest(
    conn: Connection,
    *,
    file: dict[str, Any],
    case_ref: str,
    document_kind: str,
    step: Step,
    uploader: str,
    reply_channel: str | None,
    reply_thread_ts: str | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """A durable ingestion row: the worker stores the file, then records `step` with its id
    (`key`, default the step's own, names the step in the row's dedupe key).

    The same Slack file submitted again for the same step (a second form, not a retried request:
    those stop at `once`) is refused in words: one document proves one step (README "Documents").
    """
    check_file(file)
    job = rpc.create_ingestion_job(
        conn,
        dedupe_key=f"{file['id']}:{key or step.key}",
        case_ref=case_ref,
        document_kind=document_kind,
        slack_file_id=str(file["id"]),
        uploader=uploader,
        intent=step.to_json(),
        file_name=file.get("name"),
        download_url=file.get("url_private_download") or file.get("url_private"),
        reply_channel=reply_channel or uploader,
        reply_thread_ts=reply_thread_ts,
    )
    if not job.get("created", True):
        raise IdempotencyConflict(
            f'{file.get("name") or "This file"} was already submitted for this step on {case_ref} '
            f"(upload #{job['job_id']}); nothing new is recorded, and I reply there once it is stored",
            "One document proves one step: for another step, upload that step's own document.",
        )
    return job


def wait_for_document(
    conn: Connection,
    *,
    client: Any,
    channel: str,
    user: str,
    case_ref: str,
    step: Step,
) -> str:
    """Post the "waiting for the document" message and remember its thread; returns the reply text.
    The message is posted after the request's transaction commits (see after_commit), and its
    thread is recorded in a short transaction of its own; if Slack refuses the post, nothing is
    recorded and the person is told Slack is unavailable."""
    reads.require_case(conn=conn, case_ref=case_ref)
    engine = conn.engine
    label, kinds = step.waiting_for(conn, case_ref), step.document_kinds(conn, case_ref)
    extra = _drafts(conn, case_ref, step)  # read inside the transaction; posted after it

    def post_then_record() -> None:
        posted = client.chat_postMessage(
            channel=channel,
            text=f"{case_ref}: waiting for the document for {label}",
            blocks=waiting_for_document(case_ref=case_ref, step=label, kinds=kinds, user=user, extra=extra),
        )
        with rpc.transaction(engine) as c:
            rpc.open_upload_request(
                c,
                channel=str(posted["channel"]),
                thread_ts=str(posted["ts"]),
                case_ref=case_ref,
                step=step.key,
                document_kind=kinds[0],
                intent=step.to_json(),
                requested_by=user,
            )

    after_commit(conn, post_then_record)
    return (
        f":page_facing_up: {label} on {case_ref} needs the {' or '.join(kinds)}. "
        "Upload it in the thread of the message I just posted; nothing is recorded until it is stored."
    )


def _drafts(conn: Connection, case_ref: str, step: Step) -> list[dict[str, Any]]:
    """The "Draft" buttons for the papers the awaited step is served with (dragonfly/papers)."""
    from bot.blocks.papers import draft_actions

    reached = step.reaches(conn, case_ref)
    if reached is None:
        return []
    kind, state = reached
    return draft_actions(case_ref=case_ref, kind=kind, state=state, recipient=step.paper_recipient)


def meta_of(view: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(json.loads(view.get("private_metadata") or "{}"))
    except ValueError:
        return {}


def value(view: dict[str, Any], block_id: str) -> Any:
    """The submitted value of the single element in an input block."""
    element = (view.get("state", {}).get("values", {}).get(block_id) or {}).get(block_id) or {}
    kind = element.get("type")
    if kind in ("static_select", "external_select"):
        return (element.get("selected_option") or {}).get("value")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "file_input":
        return element.get("files") or []
    v = element.get("value")
    return v.strip() if isinstance(v, str) and v.strip() else None
