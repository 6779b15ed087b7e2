"""A fake Slack Web API on loopback: records every call, answers like Slack, serves file
downloads, and can be told to fail (429 with Retry-After, 500) for the next N calls of a method.

Every message and view it receives is checked as Slack would (tests/slack_payloads.py: the SDK's
Block Kit models plus the limits they do not enforce). A payload Slack would refuse is answered
`invalid_blocks`, like Slack, and `stop()` fails the test that sent it.

Point `SLACK_API_URL` at `fake.api_url` (it ends with '/api/').
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from dragonfly.cli.local_slack import web_api_params
from tests.slack_payloads import problems

BOT_TOKEN = "xoxb-test-token"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.files: dict[str, tuple[bytes, str]] = {}  # file id -> (bytes, name)
        self.uploads: dict[str, bytes] = {}  # upload id -> bytes received via files_upload_v2
        self.failures: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.responses: dict[str, dict[str, Any]] = {}  # method -> extra response fields
        self.violations: list[str] = []  # payloads Slack would refuse (see slack_payloads)
        self.app_tokens: set[str] = set()  # app-level tokens (xapp-) accepted, e.g. for Socket Mode
        # The workspace's channels by name (conversations.list); the settings' default names.
        self.channels: dict[str, str] = {"enforcement-ops": "C0OPS", "enforcement-exec": "C0EXEC"}
        # Posted messages per channel, oldest first (conversations.history / .replies read them).
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.holds: dict[str, list[float]] = {}  # method -> seconds to hold the next answers
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self.violations:
            raise AssertionError("Slack would refuse these payloads:\n" + "\n".join(self.violations))

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    # -- scripting
    def fail_next(self, method: str, status: int, times: int = 1, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self.failures.setdefault(method, []).extend([(status, headers)] * times)

    def hold_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Accept the next `times` calls of `method` (a posted message is in the channel at once)
        but hold each answer `seconds`: a sender killed meanwhile never learns it was accepted."""
        with self._lock:
            self.holds.setdefault(method, []).extend([seconds] * times)

    def add_file(self, file_id: str, data: bytes, name: str = "document.pdf") -> dict[str, Any]:
        """Make a file downloadable; returns the Slack file object a bot would see in an event."""
        self.files[file_id] = (data, name)
        return {
            "id": file_id,
            "name": name,
            "size": len(data),
            "url_private_download": f"{self.base_url}/files/{file_id}/{name}",
            "url_private": f"{self.base_url}/files/{file_id}/{name}",
        }

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.failures.clear()

    # -- the server
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/files/"):
                    file_id = path.split("/")[2]
                    if self.headers.get("Authorization") != f"Bearer {fake.token}":
                        # Slack answers an unauthenticated download with a 200 login page.
                        self._send(200, b"<!DOCTYPE html><html><body>Sign in</body></html>", "text/html")
                        return
                    if file_id not in fake.files:
                        self._send(404, b"not found", "text/plain")
                        return
                    data, _ = fake.files[file_id]
                    self._send(200, data, "application/octet-stream")
                    return
                self._api(path, {})

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if path.startswith("/upload/"):
                    fake.uploads[path.split("/")[2]] = raw
                    self._send(200, b"OK", "text/plain")
                    return
                self._api(path, web_api_params(self.headers.get("Content-Type", ""), raw))

            def _api(self, path: str, params: dict[str, Any]) -> None:
                method = path.removeprefix("/api/")
                found = problems(method, params)
                with fake._lock:
                    fake.calls.append(Call(method, params, dict(self.headers)))
                    fake.violations.extend(found)
                    queue = fake.failures.get(method)
                    failure = queue.pop(0) if queue else None
                if found:
                    body = json.dumps({"ok": False, "error": "invalid_blocks", "errors": found})
                    self._send(200, body.encode(), "application/json")
                    return
                if failure:
                    status, headers = failure
                    body = json.dumps({"ok": False, "error": "ratelimited" if status == 429 else "internal_error"})
                    self._send(status, body.encode(), "application/json", headers)
                    return
                auth = self.headers.get("Authorization", "")
                if auth not in {f"Bearer {t}" for t in (fake.token, *fake.app_tokens)} and "token" not in params:
                    self._send(200, json.dumps({"ok": False, "error": "not_authed"}).encode(), "application/json")
                    return
                body = fake._answer(method, params)
                with fake._lock:
                    holds = fake.holds.get(method)
                    hold = holds.pop(0) if holds else 0.0
                if hold:
                    time.sleep(hold)
                self._send(200, json.dumps(body).encode(), "application/json")

        return Handler

    def _keep_message(self, params: dict[str, Any], ts: str) -> None:
        metadata = params.get("metadata")
        if isinstance(metadata, str):  # form-encoded calls carry it as JSON text
            metadata = json.loads(metadata)
        message: dict[str, Any] = {"type": "message", "ts": ts, "text": params.get("text"), "metadata": metadata}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        with self._lock:
            self.messages.setdefault(str(params.get("channel", "C0")), []).append(message)

    def _history(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, like Slack; history leaves thread replies out, replies lists one thread;
        metadata only with include_all_metadata (as Slack does)."""
        with self._lock:
            kept = list(self.messages.get(str(params.get("channel")), []))
        oldest = float(params.get("oldest") or 0)
        if method == "conversations.history":
            kept = [m for m in kept if m.get("thread_ts") in (None, m["ts"])]
        else:
            parent = str(params.get("ts"))
            kept = [m for m in kept if m["ts"] == parent or m.get("thread_ts") == parent]
        with_meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        out = [
            {k: v for k, v in m.items() if k != "metadata" or (with_meta and v)}
            for m in reversed(kept)
            if float(m["ts"]) >= oldest
        ]
        return {"messages": out[: int(params.get("limit") or 100)]}

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        ts = f"{int(time.time())}.{n:06d}"  # like Slack: the post time, unique
        answer: dict[str, Any] = {"ok": True}
        if method in ("chat.postMessage", "chat.update"):
            answer.update(channel=params.get("channel", "C0"), ts=ts, message={"ts": ts, "text": params.get("text")})
            if method == "chat.postMessage":
                self._keep_message(params, ts)
        elif method in ("conversations.history", "conversations.replies"):
            answer.update(self._history(method, params), has_more=False, response_metadata={"next_cursor": ""})
        elif method == "chat.postEphemeral":
            answer.update(message_ts=ts)
        elif method in ("views.open", "views.push", "views.update"):
            view = params.get("view") or {}
            answer.update(view={**view, "id": f"V{n:08d}", "hash": f"h{n}"})
        elif method == "views.publish":
            answer.update(view={**(params.get("view") or {}), "id": f"V{n:08d}"})
        elif method == "conversations.open":
            answer.update(channel={"id": f"D{str(params.get('users', 'U0'))[:9]}"})
        elif method == "files.getUploadURLExternal":
            upload_id = f"F{n:08d}"
            answer.update(upload_url=f"{self.base_url}/upload/{upload_id}", file_id=upload_id)
        elif method == "files.completeUploadExternal":
            channel = params.get("channel_id")
            if channel is not None and not (str(channel)[:1] in "CGD" and str(channel)[1:].isalnum()):
                # Slack takes conversation ids only here: "#name" is refused.
                return {"ok": False, "error": "invalid_channel"}
            files = params.get("files") or []
            answer.update(files=[{"id": f.get("id"), "title": f.get("title")} for f in files])
        elif method == "conversations.list":
            answer.update(
                channels=[{"id": cid, "name": name, "is_channel": True} for name, cid in self.channels.items()],
                response_metadata={"next_cursor": ""},
            )
        elif method == "files.info":
            fid = params.get("file")
            if fid in self.files:
                data, name = self.files[fid]
                answer.update(
                    file={
                        "id": fid,
                        "name": name,
                        "size": len(data),
                        "url_private_download": f"{self.base_url}/files/{fid}/{name}",
                    }
                )
            else:
                answer = {"ok": False, "error": "file_not_found"}
        elif method == "auth.test":
            answer.update(user_id="UBOT", bot_id="BBOT", team_id="T0", url="https://example.slack.com/")
        elif method == "users.info":
            answer.update(user={"id": params.get("user"), "name": "someone", "tz": "America/New_York"})
        answer.update(self.responses.get(method, {}))
        return answer
