"""A loopback stand-in for Slack's Web API that renders what Slack would show as text.

Used by the local console: the real Bolt app calls it as it would call Slack, and every
message, ephemeral reply, modal and App Home appears in the terminal.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot import ids

Printer = Callable[[str], None]


def text_of(obj: Any) -> str:
    """A text object as a person reads it: Slack shows mrkdwn's &lt; &gt; &amp; as < > &."""
    if isinstance(obj, dict):
        text = str(obj.get("text", ""))
        if obj.get("type") == "mrkdwn":
            text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        return text
    return str(obj or "")


def web_api_params(content_type: str, raw: bytes) -> dict[str, Any]:
    """The arguments of a Web API call as slack_sdk sends them: JSON, or a form whose `blocks`,
    `view`, `attachments` and `files` fields are JSON text. Multipart bodies (file uploads) are
    only counted."""
    if "json" in content_type:
        params: dict[str, Any] = json.loads(raw or b"{}")
    elif "multipart" in content_type:
        return {"_multipart_bytes": len(raw)}
    else:
        params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    for key in ("blocks", "view", "attachments", "files"):
        if isinstance(params.get(key), str):
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


def waiting_for_document(blocks: Any) -> bool:
    """A "waiting for the document" message (bot/blocks/cards.py): its thread takes the upload."""
    return isinstance(blocks, list) and any(isinstance(b, dict) and b.get("block_id") == ids.B_WAITING for b in blocks)


def render_blocks(blocks: list[dict[str, Any]]) -> list[str]:
    """Block Kit as plain lines: sections, fields, context, buttons, inputs."""
    lines: list[str] = []
    for b in blocks or []:
        kind = b.get("type")
        if kind == "header":
            lines.append(f"== {text_of(b.get('text'))} ==")
        elif kind == "section":
            if b.get("text"):
                lines.append(text_of(b["text"]))
            for f in b.get("fields") or []:
                lines.append("  " + text_of(f))
            acc = b.get("accessory")
            if acc and acc.get("type") == "button":
                lines.append(f"  [{text_of(acc.get('text'))}]")
        elif kind == "context":
            lines.append("  " + " · ".join(text_of(e) for e in b.get("elements") or []))
        elif kind == "divider":
            lines.append("-" * 40)
        elif kind == "actions":
            lines.append(
                "  " + " ".join(f"[{text_of(e.get('text')) or e.get('type')}]" for e in b.get("elements") or [])
            )
        elif kind == "input":
            lines.append(f"  {text_of(b.get('label'))}: <{(b.get('element') or {}).get('type')}>")
        elif kind == "image":
            lines.append(f"  (image: {b.get('alt_text', '')})")
    return lines


class LocalSlack:
    """Answers the Web API on 127.0.0.1 and prints what a person would see."""

    def __init__(self, token: str, printer: Printer, user_id: str) -> None:
        self.token = token
        self.print = printer
        self.user_id = user_id
        self.views: list[dict[str, Any]] = []  # modals opened, waiting for the console to fill
        self.files: dict[str, Path] = {}
        self.messages: list[dict[str, Any]] = []
        self.waiting: list[tuple[str, str]] = []  # (channel, ts) of "waiting for the document" messages
        self._ids = itertools.count(1)
        self._last_ts = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_ts(self) -> str:
        """A message timestamp like Slack's: the time, unique and increasing, across sessions too
        (the bot finds a thread's pending upload by channel and thread ts)."""
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def add_file(self, path: Path) -> dict[str, Any]:
        """A local file as the Slack file object a modal or a thread upload would carry."""
        file_id = f"F{next(self._ids):08d}L"
        self.files[file_id] = path
        url = f"{self.base_url}/files/{file_id}/{path.name}"
        return {
            "id": file_id,
            "name": path.name,
            "size": path.stat().st_size,
            "url_private_download": url,
            "url_private": url,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        local = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path.startswith("/files/"):
                    file_id = path.split("/")[2]
                    if self.headers.get("Authorization") != f"Bearer {local.token}" or file_id not in local.files:
                        self._send(404, b"not found", "text/plain")
                        return
                    self._send(200, local.files[file_id].read_bytes(), "application/octet-stream")
                    return
                self._send(404, b"{}")

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if path.startswith("/upload/"):
                    self._send(200, b"OK", "text/plain")
                    return
                if path.startswith("/respond/"):
                    # respond(): a reply through the command's response_url.
                    body = json.loads(raw or b"{}")
                    label = "in the channel" if body.get("response_type") == "in_channel" else "only you can see this"
                    local.print(f"\n[bot, {label}]")
                    for line in render_blocks(body.get("blocks") or []) or [str(body.get("text", ""))]:
                        local.print("  " + line)
                    self._send(200, b"ok", "text/plain")
                    return
                params = web_api_params(self.headers.get("Content-Type", ""), raw)
                answer = local.answer(path.removeprefix("/api/"), params)
                self._send(200, json.dumps(answer).encode())

        return Handler

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        ts = self._next_ts()
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            where = params.get("channel", "?")
            label = "only you can see this" if method == "chat.postEphemeral" else f"in {where}"
            if params.get("thread_ts"):
                label += " (thread)"
            self.print(f"\n[bot, {label}]")
            body = render_blocks(params.get("blocks") or []) or [str(params.get("text", ""))]
            for line in body:
                self.print("  " + line)
            with self._lock:
                self.messages.append({"method": method, "ts": ts, **params})
                if method == "chat.postMessage" and waiting_for_document(params.get("blocks")):
                    self.waiting.append((str(where), ts))
            return {"ok": True, "channel": where, "ts": ts, "message_ts": ts, "message": {"ts": ts}}
        if method in ("views.open", "views.push", "views.update"):
            view = dict(params.get("view") or {})
            view["id"] = view.get("id") or f"V{n:08d}"
            with self._lock:
                self.views.append(view)
            return {"ok": True, "view": view}
        if method == "views.publish":
            view = params.get("view") or {}
            self.print("\n[App Home: Ops Console]")
            for line in render_blocks(view.get("blocks") or []):
                self.print("  " + line)
            return {"ok": True, "view": {**view, "id": f"V{n:08d}"}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{params.get('users', 'U0')}"}}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.base_url}/upload/F{n}", "file_id": f"F{n:08d}"}
        if method == "conversations.list":
            # Channels the console has posted to by name, as a workspace would list them.
            names = {"enforcement-ops", "enforcement-exec"} | {
                str(m.get("channel"))[1:] for m in self.messages if str(m.get("channel", "")).startswith("#")
            }
            listed = [{"id": "C" + name.upper().replace("-", "")[:10], "name": name} for name in sorted(names)]
            return {"ok": True, "channels": listed}
        if method == "files.completeUploadExternal":
            files = params.get("files") or []
            self.print(
                f"\n[bot uploaded a file in {params.get('channel_id', '?')}: "
                f"{', '.join(str(f.get('title')) for f in files)}]"
            )
            return {"ok": True, "files": [{"id": f.get("id")} for f in files]}
        if method == "files.info":
            fid = params.get("file")
            if fid in self.files:
                p = self.files[fid]
                return {
                    "ok": True,
                    "file": {
                        "id": fid,
                        "name": p.name,
                        "size": p.stat().st_size,
                        "url_private_download": f"{self.base_url}/files/{fid}/{p.name}",
                    },
                }
            return {"ok": False, "error": "file_not_found"}
        if method == "auth.test":
            return {"ok": True, "user_id": "UDRAGONFLY", "bot_id": "BDRAGONFLY", "team_id": "TLOCAL"}
        if method == "users.info":
            return {
                "ok": True,
                "user": {"id": params.get("user"), "name": params.get("user"), "tz": "America/New_York"},
            }
        return {"ok": True}
