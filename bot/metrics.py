"""The serving side of the metrics (dragonfly/metrics.py): GET /metrics, and around every other
request its latency by surface and sub-command plus one log line with a request id.

The surface and sub-command are read from the request body the way Slack sends it (form-encoded
slash commands and interaction payloads, JSON events); the body is then handed to Bolt unchanged.
Labels are bounded: a sub-command the app does not register counts as "other".
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Collection, Iterable
from typing import Any
from urllib.parse import parse_qs, urlencode

from sqlalchemy import Engine

from dragonfly import metrics
from dragonfly.logs import REQUEST_ID

log = logging.getLogger("dragonfly.request")
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_LABEL = re.compile(r"^[A-Za-z0-9_.:-]{1,48}$")
_PATH = "/slack/events"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_.-]{8,64}$")


def _label(value: Any) -> str:
    return value if isinstance(value, str) and _LABEL.match(value) else "other"


def classify(path: str, content_type: str, body: bytes, commands: Collection[str]) -> tuple[str, str]:
    """(surface, sub-command) of one request. It only labels: it runs before the signature check,
    so any body (junk, a JSON list, `payload=null`) must come out as a label, never an error."""
    if path == "/healthz":
        return "healthz", "-"
    if path != "/slack/events":
        return "other", "-"
    try:
        if content_type.startswith("application/json"):
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                return "other", "unreadable"
            if data.get("type") == "event_callback":
                event = data.get("event") or {}
                label = _label(event.get("type"))
                return "event", f"{label}.{event['subtype']}" if _LABEL.match(str(event.get("subtype", ""))) else label
            return "event", _label(data.get("type"))
        form = parse_qs(body.decode("utf-8", "replace"))
        if "command" in form:
            words = (form.get("text") or [""])[0].split()
            word = words[0].lower() if words else "help"
            return "command", word if word in commands else "other"
        payload = json.loads((form.get("payload") or ["{}"])[0])
    except (ValueError, AttributeError, UnicodeError, KeyError, TypeError):
        return "other", "unreadable"
    if not isinstance(payload, dict):
        return "other", "unreadable"
    kind = payload.get("type")
    if kind == "block_actions":
        actions = payload.get("actions")
        first = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        return "action", _label(first.get("action_id"))
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        return "view", _label(view.get("callback_id") if isinstance(view, dict) else None)
    if kind == "block_suggestion":
        return "options", _label(payload.get("action_id"))
    return "other", _label(kind)


def observe(surface: str, command: str, status: str, seconds: float, rid: str, *, method: str, path: str) -> None:
    """One request's latency and count, and its log line (HTTP and Socket Mode alike)."""
    metrics.REQUEST_SECONDS.labels(surface, command).observe(seconds)
    metrics.REQUESTS.labels(surface, command, status).inc()
    log.info(
        "%s %s %s/%s -> %s in %.1f ms request_id=%s",
        method,
        path,
        surface,
        command,
        status,
        seconds * 1000,
        rid,
        extra={
            "request_id": rid,
            "surface": surface,
            "command": command,
            "status": int(status),
            "duration_ms": round(seconds * 1000, 1),
            "path": path,
        },
    )


def classify_envelope(envelope_type: str, payload: Any, commands: Collection[str]) -> tuple[str, str]:
    """(surface, sub-command) of a Socket Mode envelope: its payload is what the HTTP body would
    carry, so it is labelled by the same rules, in the form Slack would have posted it."""
    if not isinstance(payload, dict):
        return "other", "unreadable"
    form = "application/x-www-form-urlencoded"
    if envelope_type == "slash_commands":
        return classify(_PATH, form, urlencode({k: str(v) for k, v in payload.items()}).encode(), commands)
    if envelope_type == "interactive":
        return classify(_PATH, form, urlencode({"payload": json.dumps(payload)}).encode(), commands)
    return classify(_PATH, "application/json", json.dumps(payload).encode(), commands)


def metered_socket_mode_handler(app: Any, app_token: str | None, commands: Collection[str] = ()) -> Any:
    """Bolt's Socket Mode handler with each envelope metered and logged like an HTTP request
    (the envelope id is its request id)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response

    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)

    class MeteredSocketModeHandler(SocketModeHandler):  # type: ignore[misc]
        def handle(self, client: Any, req: Any) -> None:  # as Bolt's, between a clock and a label
            started = time.perf_counter()
            surface, command = classify_envelope(req.type, req.payload, commands)
            rid = str(req.envelope_id or secrets.token_hex(8))
            token = REQUEST_ID.set(rid)
            status = "500"
            try:
                response = run_bolt_app(self.app, req)
                status = str(response.status)
                send_response(client, req, response, started)
            finally:
                observe(surface, command, status, time.perf_counter() - started, rid, method="WS", path=req.type)
                REQUEST_ID.reset(token)

    return MeteredSocketModeHandler(app, app_token)


def instrument(app: WSGIApp, *, engine: Engine | None = None, commands: Collection[str] = ()) -> WSGIApp:
    """`app` with GET /metrics (queue depths from `engine`), request metrics and one log line per
    request (level INFO)."""
    if engine is not None:
        metrics.watch_queues(engine)
    if log.level == logging.NOTSET:
        log.setLevel(logging.INFO)  # the per-request line shows whatever the root level says

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/metrics" and method in ("GET", "HEAD"):
            body, content_type = metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        started = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID", "")
        rid = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = b""
        if length > 0:  # read once for the labels, then handed on unchanged (no length: left alone)
            raw = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(raw)
        surface, command = classify(path, environ.get("CONTENT_TYPE", ""), raw, commands)
        status = ["500"]

        def recording_start_response(code: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, [*headers, ("X-Request-Id", rid)], *exc)

        token = REQUEST_ID.set(rid)
        try:
            result = app(environ, recording_start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            observe(surface, command, status[0], time.perf_counter() - started, rid, method=method, path=path)
            REQUEST_ID.reset(token)

    return application
