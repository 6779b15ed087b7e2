"""The ingestion worker: copies a Slack file into storage and records the step it proves.

For each claimed `ingestion_jobs` row: download the file with the bot token (only from the Slack
API host or files.slack.com: the token never goes anywhere else), stream it into the document
store, then in ONE transaction attach the document, apply the row's `intent`, mark the job done
and queue the reply (thread or DM) in the outbox. A crash before that commit records nothing; a
stale claim finds the job no longer pending and records nothing twice.

Errors: a refused step (DomainError) or a refused file (DocumentRejected, an HTML login page)
fail the job with a clear reply; storage down or a download error retries with back-off.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from typing import IO, Any, cast
from urllib.parse import urljoin, urlsplit

import requests
from sqlalchemy import Connection
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from bot.blocks.common import esc
from dragonfly import metrics, rpc, steps
from dragonfly.bootstrap import Services
from dragonfly.errors import DomainError
from dragonfly.evidence import record_with_document
from dragonfly.steps import Step
from storage.base import DocumentRejected, StorageError

log = logging.getLogger(__name__)

AUTH_PAGE_MESSAGE = "the file could not be downloaded (authorization page received)"
SLACK_FILE_HOSTS = {"files.slack.com"}
CHUNK = 64 * 1024
TIMEOUT = (5, 60)
MAX_REDIRECTS = 3


class Permanent(Exception):
    """The job cannot succeed by retrying; the message is shown to the uploader."""


class Transient(Exception):
    """Trying again later may work."""

    def __init__(self, message: str, delay: float | None = None) -> None:
        super().__init__(message)
        self.delay = delay


class AlreadyFinished(Exception):
    """Another worker finished this job: record nothing."""


def _parsed(url: str) -> Any:
    """The URL as requests (urllib3) will parse it, or None if it cannot be parsed."""
    try:
        return parse_url(url)
    except LocationParseError:
        return None


def allowed_url(url: str, api_url: str) -> bool:
    """Only the Slack API host (as configured) or Slack's file host may receive the bot token.

    The URL is parsed with urllib3's `parse_url`, the parser requests itself uses, so the host
    checked is the host connected to. Backslashes, userinfo ('@') and anything but https are
    refused, except the configured API URL's own scheme and host (http on loopback in tests)."""
    if not isinstance(url, str) or "\\" in url or "@" in url or any(ord(ch) < 0x21 for ch in url):
        return False
    parts, api = _parsed(url), _parsed(api_url)
    if parts is None or parts.auth or not parts.host or parts.scheme not in ("http", "https"):
        return False
    host = parts.host.lower().rstrip(".")
    if (
        api is not None
        and api.host
        and (host, parts.port, parts.scheme)
        == (
            api.host.lower().rstrip("."),
            api.port,
            api.scheme,
        )
    ):
        return True
    return parts.scheme == "https" and parts.port in (None, 443) and host in SLACK_FILE_HOSTS


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip()[:64].lower()
    return start.startswith(b"<!doctype html") or start.startswith(b"<html") or start.startswith(b"<head")


class Body:
    """A streamed response body with `read(n)`, its first chunk already checked."""

    def __init__(self, response: requests.Response) -> None:
        self._response = response
        self._chunks: Iterator[bytes] = response.iter_content(CHUNK)
        self._buf = b""
        for chunk in self._chunks:
            if chunk:
                self._buf = chunk
                break
        content_type = response.headers.get("Content-Type", "").lower()
        if content_type.startswith("text/html") or _looks_like_html(self._buf):
            raise Permanent(AUTH_PAGE_MESSAGE)

    def read(self, size: int = -1, /) -> bytes:
        try:
            while size < 0 or len(self._buf) < size:
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._buf += chunk
        except requests.RequestException as exc:
            raise Transient(f"download interrupted: {exc}") from exc
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def close(self) -> None:
        self._response.close()


def open_download(services: Services, url: str) -> Body:
    """GET the file with the bot token, streaming; follows redirects only to allowed hosts."""
    api_url = services.settings.slack_api_url
    token = services.settings.slack_bot_token or ""
    for _ in range(MAX_REDIRECTS + 1):
        if not allowed_url(url, api_url):
            raise Permanent(f"refusing to download from {urlsplit(url).hostname or url}: not a Slack file host")
        try:
            response = requests.get(
                url,
                headers={"Authorization": f"Bearer {token}"},
                stream=True,
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise Transient(f"download failed: {exc}") from exc
        if response.is_redirect:
            url = urljoin(url, response.headers.get("Location", ""))
            response.close()
            continue
        if response.status_code == 200:
            try:
                return Body(response)
            except BaseException:
                response.close()
                raise
        response.close()
        if response.status_code in (401, 403):
            raise Permanent(AUTH_PAGE_MESSAGE)
        if response.status_code == 429:
            retry_after = response.headers.get("Retry-After")
            raise Transient("Slack rate limited the download", float(retry_after) if retry_after else None)
        raise Transient(f"download answered HTTP {response.status_code}")
    raise Permanent(AUTH_PAGE_MESSAGE)


def download_url(services: Services, job: dict[str, Any]) -> str:
    if job.get("download_url"):
        return str(job["download_url"])
    try:
        info = services.slack.files_info(file=job["slack_file_id"])
    except Exception as exc:  # slack_sdk raises several kinds; all mean "try later"
        raise Transient(f"files.info failed: {exc}") from exc
    return str(info["file"]["url_private_download"])


def apply_step(conn: Connection, job: dict[str, Any], document_id: int) -> tuple[Step, dict[str, Any]]:
    """Record the step the document proves (dragonfly/steps.py), as the uploader."""
    step = steps.from_json(job["intent"])
    exemption_document_id = None
    if step.exemption_job:
        # The exemption forms (CPLR 5222-a) came as their own upload: wait until they are stored.
        exemption_document_id = rpc.ingested_document_id(conn, dedupe_key=step.exemption_job)
        if exemption_document_id is None:
            raise Transient("waiting for the exemption forms to be stored", 5.0)
    on = steps.On(
        case_ref=job["case_ref"],
        actor=job["uploader"],
        document_id=document_id,
        key=f"ingestion:{job['id']}",
        exemption_document_id=exemption_document_id,
    )
    return step, step.apply(conn, on)


def queue_reply(conn: Connection, job: dict[str, Any], text_: str, outcome: str) -> None:
    """The answer to the uploader, in the thread they uploaded in, else by DM."""
    if job.get("reply_channel"):
        payload: dict[str, Any] = {"channel": job["reply_channel"], "text": text_}
        if job.get("reply_thread_ts"):
            payload["thread_ts"] = job["reply_thread_ts"]
    else:
        payload = {"channel": job["uploader"], "text": text_}
    rpc.enqueue_outbox(
        conn,
        method="chat.postMessage",
        payload=payload,
        dedupe_key=f"ingestion:{job['id']}:{outcome}{_round(job)}",
    )


def _round(job: dict[str, Any]) -> str:
    """The operator's retry round (sql/0085): a retried job that gives up again tells the uploader
    again; the first round keeps the plain key."""
    retries = int(job.get("retries") or 0)
    return f":r{retries}" if retries else ""


def backoff(attempts: int) -> float:
    return min(3600.0, 30.0 * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


def process(services: Services, job: dict[str, Any], *, max_attempts: int = 8) -> str:
    """Handle one claimed job; returns done, failed, retry or skipped."""
    job_id = int(job["id"])

    def before(conn: Connection) -> None:
        if not rpc.begin_ingestion_step(conn, job_id=job_id):
            raise AlreadyFinished()

    def step(conn: Connection, document_id: int) -> dict[str, Any]:
        recorded, result = apply_step(conn, job, document_id)
        rpc.finish_ingestion_job(conn, job_id, "done", result={**result, "document_id": document_id})
        queue_reply(conn, job, "Recorded: " + recorded.recorded(job["case_ref"], result), "done")
        return result

    body: Body | None = None
    try:
        body = open_download(services, download_url(services, job))
        record_with_document(
            services,
            case_ref=job["case_ref"],
            kind=job["document_kind"],
            stream=cast("IO[bytes]", body),
            filename=job.get("file_name") or "document",
            uploader=job["uploader"],
            step=step,
            before_step=before,
        )
        return "done"
    except AlreadyFinished:
        log.info("ingestion job %s was finished by another worker", job_id)
        return "skipped"
    except (Permanent, DocumentRejected, DomainError) as exc:
        message = exc.message if isinstance(exc, DocumentRejected) else str(exc)
        return _fail(services, job, message)
    except (Transient, StorageError, requests.RequestException) as exc:
        message = exc.message if isinstance(exc, StorageError) else str(exc)
        attempts = int(job.get("attempts") or 1)
        if attempts >= max_attempts:
            return _fail(services, job, f"gave up after {attempts} attempts: {message}", gave_up=True)
        delay = getattr(exc, "delay", None) or backoff(attempts)
        with rpc.transaction(services.engine) as conn:
            rpc.finish_ingestion_job(conn, job_id, "retry", error=message, retry_seconds=delay)
        log.warning("ingestion job %s: %s; retry in %.0f s", job_id, message, delay)
        return "retry"
    finally:
        if body is not None:
            body.close()


def failure_reply(job: dict[str, Any], message: str, *, gave_up: bool) -> str:
    """What the uploader is told: why nothing was recorded, and what to do about it."""
    if gave_up:
        advice = (
            "The file is still in Slack and nothing was recorded. Upload it again in this thread later, "
            f"or ask an operator to run `dragonfly queue retry ingestion:{job['id']}` once the problem is fixed."
        )
    else:
        advice = "Nothing was recorded. Fix what is named above and upload the document again in this thread."
    # the reason can quote the file's name or the uploader's text: escaped like any typed text
    return f"Could not record the document for {job['case_ref']}: {esc(message)}. {advice}"


def _fail(services: Services, job: dict[str, Any], message: str, *, gave_up: bool = False) -> str:
    with rpc.transaction(services.engine) as conn:
        if not rpc.begin_ingestion_step(conn, job_id=int(job["id"])):
            return "skipped"
        rpc.finish_ingestion_job(conn, int(job["id"]), "failed", error=message)
        queue_reply(conn, job, failure_reply(job, message, gave_up=gave_up), "failed")
    metrics.QUEUE_FAILURES.labels("ingestion").inc()
    log.warning("ingestion job %s failed: %s", job["id"], message)
    return "failed"


def ingest_due(services: Services, limit: int = 5, *, lease_seconds: int = 300, max_attempts: int = 8) -> int:
    """Claim due ingestion jobs and process them; returns how many were recorded."""
    with rpc.transaction(services.engine) as conn:
        jobs = rpc.claim_ingestion_jobs(conn, limit=limit, lease_seconds=lease_seconds)
    done = 0
    for job in jobs:
        job["document_kind"] = str(job["document_kind"])
        if process(services, job, max_attempts=max_attempts) == "done":
            done += 1
    return done
