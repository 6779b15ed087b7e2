"""The evidence gate: "no enforcement action is real unless it has a document".

One service call for every entrypoint (modal upload, thread upload, CLI): store the bytes first,
then, in ONE transaction, record the document and the step it proves. If the store fails, nothing
is recorded and the caller gets a retryable error. If the database refuses after the bytes were
stored, the object is an orphan: `dragonfly doctor` reports it and `dragonfly storage gc` removes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import Connection

from dragonfly import rpc
from dragonfly.bootstrap import Services

log = logging.getLogger(__name__)

# Records the step, given the transaction and the id of the stored document.
Step = Callable[[Connection, int], dict[str, Any]]


@dataclass(frozen=True)
class Recorded:
    document_id: int
    storage_key: str
    sha256: str
    document_created: bool
    step: dict[str, Any] | None


def record_with_document(
    services: Services,
    *,
    case_ref: str,
    kind: str,
    stream: IO[bytes],
    filename: str,
    uploader: str,
    step: Step | None = None,
    source: str = "slack",
    before_step: Callable[[Connection], None] | None = None,
) -> Recorded:
    """Store `stream`, then attach it and run `step` in one transaction; returns what was recorded.

    Raises storage.StorageUnavailable (retry later), storage.DocumentRejected (bad file) or a
    dragonfly.errors.DomainError (the step was refused; nothing recorded, the object is an orphan).
    """
    stored = services.store.put(stream, case_ref=case_ref, kind=kind, filename=filename, uploader=uploader)
    with rpc.transaction(services.engine) as conn:
        if before_step is not None:
            before_step(conn)
        doc = rpc.attach_enforcement_document(
            conn,
            case_ref=case_ref,
            kind=kind,
            **stored.row(),
            uploader=uploader,
            source=source,
        )
        result = step(conn, int(doc["document_id"])) if step is not None else None
    if not doc["created"] and doc["storage_key"] != stored.key:
        # The same bytes were already stored for this case and kind: keep one copy.
        _discard(services, stored.key)
    return Recorded(
        document_id=int(doc["document_id"]),
        storage_key=str(doc["storage_key"]),
        sha256=stored.sha256,
        document_created=bool(doc["created"]),
        step=result,
    )


def _discard(services: Services, key: str) -> None:
    try:
        services.store.delete(key)
    except Exception:  # an undeleted duplicate is an orphan that gc removes later
        log.warning("could not delete duplicate object %s; storage gc will remove it", key, exc_info=True)
