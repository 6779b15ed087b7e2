"""Document ingestion: the jobs that copy a Slack file into storage and record the step it proves,
and the "waiting for the document" requests whose thread takes the upload (scheduler/ingestion.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from dragonfly.rpc.core import Result, call, rows


def create_ingestion_job(
    conn: Connection,
    *,
    dedupe_key: str,
    case_ref: str,
    document_kind: str,
    slack_file_id: str,
    uploader: str,
    intent: dict[str, Any],
    file_name: str | None = None,
    download_url: str | None = None,
    reply_channel: str | None = None,
    reply_thread_ts: str | None = None,
) -> Result:
    """Queue a Slack file to be copied into storage and the step it proves recorded."""
    return call(
        conn,
        "create_ingestion_job",
        dedupe_key=dedupe_key,
        case_ref=case_ref,
        document_kind=document_kind,
        slack_file_id=slack_file_id,
        uploader=uploader,
        intent=json.dumps(intent, default=str),
        file_name=file_name,
        download_url=download_url,
        reply_channel=reply_channel,
        reply_thread_ts=reply_thread_ts,
    )


def claim_ingestion_jobs(conn: Connection, *, limit: int, lease_seconds: int) -> list[Result]:
    """Due jobs claimed with a lease (FOR UPDATE SKIP LOCKED)."""
    return rows(conn, "claim_ingestion_jobs", limit=limit, lease_seconds=lease_seconds)


def begin_ingestion_step(conn: Connection, *, job_id: int) -> bool:
    """Lock a job for its step (this transaction); False if it is no longer pending."""
    return bool(call(conn, "begin_ingestion_step", id=job_id))


def finish_ingestion_job(
    conn: Connection,
    job_id: int,
    status: str,
    *,
    result: Any = None,
    error: str | None = None,
    retry_seconds: float | None = None,
) -> None:
    """Mark a job done, failed or to retry after `retry_seconds`."""
    call(
        conn,
        "finish_ingestion_job",
        id=job_id,
        status=status,
        result=json.dumps(result, default=str) if result is not None else None,
        error=error,
        retry_seconds=None if retry_seconds is None else Decimal(str(retry_seconds)),
    )


def ingested_document_id(conn: Connection, *, dedupe_key: str) -> int | None:
    """The document an ingestion job stored, once it is stored (None until then)."""
    found = call(conn, "ingested_document_id", dedupe_key=dedupe_key)
    return None if found is None else int(found)


def open_upload_request(
    conn: Connection,
    *,
    channel: str,
    thread_ts: str,
    case_ref: str,
    step: str,
    document_kind: str,
    intent: dict[str, Any],
    requested_by: str,
) -> int:
    """Remember a "waiting for the document" message, so an upload in its thread proves the step."""
    return int(
        call(
            conn,
            "open_upload_request",
            channel=channel,
            thread_ts=thread_ts,
            case_ref=case_ref,
            step=step,
            document_kind=document_kind,
            intent=json.dumps(intent, default=str),
            requested_by=requested_by,
        )
    )


def take_upload_request(conn: Connection, *, request_id: int, file_id: str) -> bool:
    """True if `file_id` is the file that proves the request's step (the first upload wins)."""
    return bool(call(conn, "take_upload_request", id=request_id, file_id=file_id))
