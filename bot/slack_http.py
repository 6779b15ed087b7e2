"""The front door for Slack's HTTP requests: check the signature on the raw bytes first, then
parse the body ourselves and hand Bolt a request that is already parsed.

Why not Bolt's own parser: it treats any form body that contains the letters "payload" as an
interactivity payload and returns {} when there is no `payload` field, so
`/enforce note DF-1 the payload arrived` was answered "unhandled request". And Bolt parses (and
can fail on) the body before its signature middleware runs, so unsigned junk reached code.
Here nothing is decoded or parsed until the signature over the exact bytes is good; anything
malformed after that is a 400 with a one-line reason, never a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context, build_normalized_headers
from slack_bolt.response import BoltResponse

# Slack's own payloads are a few kilobytes; a modal with many blocks stays well under this.
MAX_BODY_BYTES = 1024 * 1024
# Slack signs each request with its send time; older ones are replays (Slack's docs: 5 minutes).
MAX_CLOCK_SKEW_SECONDS = 300


class Refused(Exception):
    """A request answered with `status` and a one-line reason, before any listener runs."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify(secret: bytes, headers: dict[str, str], raw: bytes, now: float | None = None) -> None:
    """Refused(401) unless `raw` carries Slack's v0 signature made with `secret` within 5 minutes."""
    stamp = headers.get("x-slack-request-timestamp", "")
    sig = headers.get("x-slack-signature", "")
    if not stamp or not sig:
        raise Refused(401, "missing Slack signature headers")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise Refused(401, "the request timestamp is not a number")
    if abs((time.time() if now is None else now) - int(stamp)) > MAX_CLOCK_SKEW_SECONDS:
        raise Refused(401, "the request timestamp is too old or in the future")
    expected = "v0=" + hmac.new(secret, b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        raise Refused(401, "invalid request signature")


def parse(raw: bytes, content_type: str) -> tuple[str, dict[str, Any]]:
    """The body as text and as the dict Bolt's listeners expect; Refused(400) if malformed."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "the request body is not valid UTF-8") from None
    if content_type == "application/json" or text.startswith("{"):
        return text, _json_object(text, "the JSON body")
    try:
        fields = dict(parse_qsl(text, keep_blank_values=True, errors="strict"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "a form field is not valid UTF-8") from None
    # Interactivity (buttons, modals, options) arrives as one form field `payload` holding JSON;
    # a slash command is the form itself, whatever its text says.
    if "payload" in fields and "command" not in fields:
        return text, _json_object(fields["payload"], "the payload field")
    return text, fields


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise Refused(400, f"{what} is not valid JSON") from None
    if not isinstance(value, dict):
        raise Refused(400, f"{what} is not a JSON object")
    return value


class ParsedRequest(BoltRequest):
    """A BoltRequest built from a body we parsed (Bolt's constructor would parse it again)."""

    def __init__(self, *, raw: str, body: dict[str, Any], headers: dict[str, Any]) -> None:
        self.raw_body = raw
        self.query = {}
        self.headers = build_normalized_headers(headers)
        types = self.headers.get("content-type") or []
        self.content_type = types[0] if types else None
        self.body = body
        self.context = build_context(BoltContext({}), body)
        self.lazy_only = False
        self.lazy_function_name = None
        self.mode = "http"

    def to_copyable(self) -> ParsedRequest:
        return ParsedRequest(raw=self.raw_body, body=json.loads(json.dumps(self.body)), headers=self.headers)


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    out = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        out["content-type"] = environ["CONTENT_TYPE"]
    return out


def _reply(start_response: Callable[..., Any], status: int, body: str, content_type: str) -> list[bytes]:
    data = body.encode()
    start_response(
        f"{status} {_reason(status)}",
        [("Content-Type", content_type), ("Content-Length", str(len(data)))],
    )
    return [data]


def slack_endpoint(app: App, signing_secret: str) -> WSGIApp:
    """The WSGI app for POST /slack/events: verify, parse, dispatch to Bolt."""
    secret = signing_secret.encode()

    def handle(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            headers = _headers(environ)
            length = environ.get("CONTENT_LENGTH") or ""
            if not length.isdigit():
                raise Refused(411, "a Content-Length header is required")
            if int(length) > MAX_BODY_BYTES:
                raise Refused(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
            raw = environ["wsgi.input"].read(int(length)) if int(length) else b""
            verify(secret, headers, raw)
            text, body = parse(raw, headers.get("content-type", "").split(";")[0].strip())
        except Refused as r:
            return _reply(start_response, r.status, r.reason + "\n", "text/plain; charset=utf-8")
        response: BoltResponse = app.dispatch(ParsedRequest(raw=text, body=body, headers=headers))
        data = (response.body or "").encode()
        out = [(k, v) for k, values in response.headers.items() for v in values if k.lower() != "content-length"]
        out.append(("Content-Length", str(len(data))))
        start_response(f"{response.status} {_reason(response.status)}", out)
        return [data]

    return handle


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
