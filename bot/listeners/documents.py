"""Documents: forms with a file_input and uploads in the thread of a "waiting for the document"
message become durable ingestion rows. The ingestion worker stores the file, records the step
(dragonfly/steps.py) and replies; nothing is recorded here. The forms that take a document are
beside their commands (payments.py, workflows.py) and use the helpers here."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy import Connection

from bot import ids, reads
from bot.blocks.common import esc
from bot.listeners import Form, Work
from bot.middleware import require, services_of
from bot.service import Duplicate, check_file, ingest, once, tell
from dragonfly import rpc, steps
from dragonfly.errors import DomainError, InvalidInput
from dragonfly.steps import Step

STORING = (
    ":inbox_tray: Storing {name} for {case_ref}; {step} will be recorded once it is stored, and I will reply then."
)


def uploaded(form: Form, block: str, *, required: bool, missing: str) -> dict[str, Any] | None:
    """The file uploaded in a form's file input `block`, checked; `missing` if it is required."""
    files = form.value(block) or []
    if not files:
        if required:
            form.errors[block] = missing
        return None
    file: dict[str, Any] = files[0]

    def checked() -> dict[str, Any]:
        check_file(file)
        return file

    return form.field(block, checked)  # type: ignore[no-any-return]


def step_file(form: Form, required: bool) -> dict[str, Any] | None:
    return uploaded(form, ids.B_FILE, required=required, missing="This step needs its document: upload it here.")


def exemption_file(form: Form, required: bool, what: str) -> dict[str, Any] | None:
    """The exemption notice and claim forms, the second document on a person's bank account
    (CPLR 5222-a; docs/domain.md "Exemptions")."""
    return uploaded(
        form,
        ids.B_EXEMPTION_FILE,
        required=required,
        missing=f"{what} on a person's bank account needs the exemption notice and two exemption"
        " claim forms (CPLR 5222-a): upload them here.",
    )


def check_kind(form: Form, needs: list[str], doc_kind: str | None) -> None:
    if needs and doc_kind and doc_kind not in needs:
        form.errors[ids.B_DOC_KIND] = f"This step needs a {' or '.join(needs)} document."


def with_exemption_forms(
    conn: Connection, user: str, step: Step, *, forms: dict[str, Any] | None, case_ref: str, channel: str | None
) -> Step:
    """Store the forms first (their own ingestion row); `step` then waits for them."""
    if forms is None:
        return step
    key = f"{step.key}:exemption_forms"
    ingest(
        conn,
        file=forms,
        case_ref=case_ref,
        document_kind="exemption_forms",
        step=steps.Attach(),
        key=key,
        uploader=user,
        reply_channel=channel,
    )
    return dataclasses.replace(step, exemption_job=f"{forms['id']}:{key}")  # type: ignore[call-arg]


def queue_file(
    conn: Connection,
    user: str,
    *,
    file: dict[str, Any],
    case_ref: str,
    document_kind: str,
    step: Step,
    channel: str | None,
) -> str:
    """An ingestion row for a form's document; the reply says it is being stored."""
    reads.require_case(conn=conn, case_ref=case_ref)
    label = step.storing(conn, case_ref)
    ingest(
        conn,
        file=file,
        case_ref=case_ref,
        document_kind=document_kind,
        step=step,
        uploader=user,
        reply_channel=channel,
    )
    return STORING.format(name=esc(file.get("name") or "the file"), case_ref=case_ref, step=label)


@dataclass(frozen=True)
class Submitted:
    """A step typed or submitted in a form, and where its document comes from: a form's file
    (with the exemption forms, when needed) or, typed, the thread of a "waiting" message."""

    case_ref: str
    step: Step
    channel: str | None
    client: Any
    key: str = ""
    file: dict[str, Any] | None = None
    forms: dict[str, Any] | None = None
    document_kind: str = ""


def with_file(s: Submitted, otherwise: Work) -> Work:
    """A form's work: queue its document for the worker, or, without one, do `otherwise`."""

    def work(conn: Connection, user: str) -> str:
        if s.file is None:
            return otherwise(conn, user)
        step = with_exemption_forms(conn, user, s.step, forms=s.forms, case_ref=s.case_ref, channel=s.channel)
        return queue_file(
            conn, user, file=s.file, case_ref=s.case_ref, document_kind=s.document_kind, step=step, channel=s.channel
        )

    return work


def accepted_kinds(conn: Connection, request: reads.UploadRequest) -> list[str]:
    """The document kinds the step of a "waiting for the document" thread accepts (its stored
    kind is the first of them)."""
    try:
        kinds = steps.from_json(request.intent).document_kinds(conn, request.case_ref)
    except DomainError:
        kinds = []
    return kinds if request.document_kind in kinds else [request.document_kind]


def named_kind(text: str | None, kinds: list[str]) -> str | None:
    """The first of `kinds` the upload message names ("proof_of_service", "proof-of-service")."""
    for word in re.findall(r"[a-z_-]+", (text or "").lower()):
        if word.replace("-", "_") in kinds:
            return word.replace("-", "_")
    return None


def register(app: App) -> None:
    @app.event({"type": "message", "subtype": "file_share"})
    def thread_upload(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        thread_ts, channel = event.get("thread_ts"), event.get("channel")
        files = event.get("files") or []
        if not thread_ts or not channel or not files:
            return
        services = services_of(context)
        with rpc.transaction(services.engine) as conn:
            request = reads.upload_request(conn=conn, channel=channel, thread_ts=thread_ts)
        if request is None:
            return  # an ordinary upload in some thread: not ours
        user = require(context, "officer", "Uploading a document for a step")
        file = files[0]

        def work(conn: Connection) -> None:
            try:
                check_file(file)
            except InvalidInput as e:
                tell(
                    conn,
                    user=user,
                    channel=channel,
                    thread_ts=thread_ts,
                    text=f":no_entry: {esc(e.message)}. {esc(e.hint)} Nothing was recorded.",
                )
                return
            if not rpc.take_upload_request(conn, request_id=request.id, file_id=str(file["id"])):
                tell(
                    conn,
                    user=user,
                    channel=channel,
                    thread_ts=thread_ts,
                    text=":information_source: This step already has its document; nothing more was recorded.",
                )
                return
            kinds = accepted_kinds(conn, request)
            named = named_kind(event.get("text"), kinds)
            kind = named or request.document_kind
            filed = f" Filed as {kind}."
            if len(kinds) > 1 and named is None:
                others = ", ".join(k for k in kinds if k != kind)
                filed = (
                    f" Filed as {kind} (the first kind this step takes; name the kind in the"
                    f" upload message to file it as {others})."
                )
            ingest(
                conn,
                file=file,
                case_ref=request.case_ref,
                document_kind=kind,
                step=steps.from_json(request.intent),
                key=request.step,
                uploader=user,
                reply_channel=channel,
                reply_thread_ts=thread_ts,
            )
            tell(
                conn,
                user=user,
                channel=channel,
                thread_ts=thread_ts,
                text=STORING.format(
                    name=esc(file.get("name") or "the file"), case_ref=request.case_ref, step="the step"
                )
                + filed,
            )

        with contextlib.suppress(Duplicate):
            once(services, f"event:{body.get('event_id')}", work)

    @app.event("message")
    def other_messages() -> None:
        """Other messages in channels the bot is in: nothing to do."""
