"""The local console: try the bot without a Slack workspace.

You act as a chosen user and type the same `/enforce ...` commands. Each goes through the real
Bolt app as a request signed like Slack's, served over HTTP on loopback; the bot's Web API calls go
to a loopback stand-in (local_slack.py) that prints what Slack would show. Modals become forms in
the terminal; `--file` answers a modal's file input. The outbox and ingestion workers run after
each command, so replies appear as they would in Slack.
"""

from __future__ import annotations

import itertools
import json
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from slack_sdk.signature import SignatureVerifier

from dragonfly.bootstrap import Services, bootstrap
from dragonfly.cli.console_forms import ModalForm
from dragonfly.cli.local_slack import LocalSlack, render_blocks
from dragonfly.settings import Settings

HELP = """Type /enforce commands as in Slack (try /enforce help). Console commands:
  :as U123        act as another Slack user      :home     open the App Home (Ops Console)
  :file PATH      the file for the next upload    :click N  press button N of the last message
  :digest         preview the morning digest      :weekly   preview the weekly summary
  :help           this text                       :quit     leave (Ctrl-D works too)"""


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class Console:
    def __init__(
        self,
        *,
        user: str,
        file: Path | None,
        settings: Settings | None = None,
        out: Callable[[str], None] = print,
        lines: Iterator[str] | None = None,
    ) -> None:
        self.user = user
        self.file = file
        self.out = out
        self.interactive = lines is None and sys.stdin.isatty()
        self._lines = lines if lines is not None else iter(sys.stdin.readline, "")
        self._pending: list[str] = []
        self.secret = secrets.token_hex(16)
        self.token = "xoxb-local-console"
        self.local = LocalSlack(self.token, self.out, user)
        base = settings or Settings()
        self.settings = base.model_copy(
            update={
                "slack_bot_token": self.token,
                "slack_signing_secret": self.secret,
                "slack_api_url": self.local.api_url,
                "slack_app_token": None,
            }
        )
        self.services: Services = bootstrap(self.settings, migrate=True)
        from bot.wsgi import make_wsgi_app

        handler = make_wsgi_app(self.services)
        self.server = make_server(
            "127.0.0.1", 0, handler, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/slack/events"
        self.ids = itertools.count(1)
        self.session = secrets.token_hex(4)  # Slack's trigger ids are unique; so are ours
        self._buttons: list[dict[str, Any]] = []

    # ---------------------------------------------------------------- input
    def _next_line(self, prompt: str = "") -> str | None:
        if self._pending:
            return self._pending.pop(0)
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = next(self._lines, None)
        return None if line is None else line.rstrip("\n")

    def answer(self, label: str, default: str = "") -> str:
        """A form answer: typed at a prompt, or the next stdin line unless it is a command."""
        if self.interactive:
            got = self._next_line(f"  {label}{f' [{default}]' if default else ''}: ")
            return (got or "").strip() or default
        line = self._next_line()
        if line is None:
            return default
        if line.startswith(("/", ":")):
            self._pending.insert(0, line)
            return default
        return line.strip() or default

    # ---------------------------------------------------------------- requests
    def _signed_post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> requests.Response:
        ts = str(int(time.time()))
        sig = SignatureVerifier(self.secret).generate_signature(timestamp=ts, body=body) or ""
        h = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}
        h.update(headers or {})
        return requests.post(self.url, data=body.encode(), headers=h, timeout=30)

    def form(self, payload: dict[str, Any]) -> requests.Response:
        return self._signed_post(urlencode(payload), "application/x-www-form-urlencoded")

    def show_response(self, resp: requests.Response) -> None:
        if resp.status_code != 200:
            self.out(f"[HTTP {resp.status_code}] {resp.text[:500]}")
            return
        if not resp.text:
            return
        try:
            body = resp.json()
        except ValueError:
            self.out(resp.text)
            return
        if isinstance(body, dict) and body.get("response_action") == "errors":
            for block, msg in (body.get("errors") or {}).items():
                self.out(f"  ! {block}: {msg}")
            return
        if isinstance(body, dict):
            self._render_message(body, "only you can see this")

    def _render_message(self, body: dict[str, Any], label: str) -> None:

        self.out(f"\n[bot, {label}]")
        lines = render_blocks(body.get("blocks") or []) or [str(body.get("text", ""))]
        for line in lines:
            self.out("  " + line)
        buttons = [e for b in body.get("blocks") or [] if b.get("type") == "actions" for e in b.get("elements", [])]
        buttons += [
            b["accessory"]
            for b in body.get("blocks") or []
            if b.get("type") == "section" and (b.get("accessory") or {}).get("type") == "button"
        ]
        if buttons:
            self._buttons = buttons
            self.out(
                "  buttons: " + ", ".join(f"{i + 1}={b.get('text', {}).get('text')}" for i, b in enumerate(buttons))
            )

    def command(self, text: str) -> None:
        """Send `/enforce <text>` as the current user."""
        n = next(self.ids)
        resp = self.form(
            {
                "token": "local",
                "team_id": "TLOCAL",
                "team_domain": "local",
                "channel_id": "CCONSOLE",
                "channel_name": "console",
                "user_id": self.user,
                "user_name": self.user,
                "command": "/enforce",
                "text": text,
                "api_app_id": "ALOCAL",
                "response_url": f"{self.local.base_url}/respond/{n}",
                "trigger_id": f"{n}.{self.session}.trigger",
            }
        )
        self.show_response(resp)
        self._after()

    def click(self, index: int) -> None:
        if not 1 <= index <= len(self._buttons):
            self.out("  no such button; the last message's buttons are numbered from 1")
            return
        b = self._buttons[index - 1]
        payload = {
            "type": "block_actions",
            "user": {"id": self.user, "name": self.user},
            "team": {"id": "TLOCAL"},
            "api_app_id": "ALOCAL",
            "trigger_id": f"{next(self.ids)}.{self.session}.trigger",
            "channel": {"id": "CCONSOLE"},
            "container": {"type": "message", "channel_id": "CCONSOLE"},
            "response_url": f"{self.local.base_url}/respond/{next(self.ids)}",
            "actions": [
                {
                    "type": "button",
                    "action_id": b.get("action_id"),
                    "block_id": b.get("block_id", "b"),
                    "value": b.get("value", ""),
                    "action_ts": f"{time.time():.6f}",
                    "text": b.get("text"),
                }
            ],
        }
        self.show_response(self.form({"payload": json.dumps(payload)}))
        self._after()

    def home(self) -> None:
        self._event({"type": "app_home_opened", "user": self.user, "channel": f"D{self.user}", "tab": "home"})
        self._after()

    # ---------------------------------------------------------------- modals
    def _after(self) -> None:
        for _ in range(5):
            if not self.local.views:
                break
            view = self.local.views.pop(0)
            self._fill_and_submit(view)
        while self.local.waiting:
            channel, ts = self.local.waiting.pop(0)
            self._thread_upload(channel, ts)
        self.drain()

    def _thread_upload(self, channel: str, thread_ts: str) -> None:
        """Answer a "waiting for the document" message with the --file, as a thread reply would."""
        if self.file is None or not self.file.exists():
            self.out("  (the bot waits for a document in its thread: give one with :file PATH and repeat the command)")
            return
        path, self.file = self.file, None
        self.out(f"\n[you, in the thread: uploaded {path.name}]")
        self._event(
            {
                "type": "message",
                "subtype": "file_share",
                "user": self.user,
                "channel": channel,
                "thread_ts": thread_ts,
                "ts": f"{time.time():.6f}",
                "text": "",
                "files": [self.local.add_file(path)],
                "channel_type": "channel",
            }
        )

    def _event(self, event: dict[str, Any]) -> None:
        """Send an Events API callback carrying `event`, as Slack would."""
        envelope = {
            "type": "event_callback",
            "team_id": "TLOCAL",
            "api_app_id": "ALOCAL",
            "event_id": f"Ev{self.session}{next(self.ids):06d}",
            "event_time": int(time.time()),
            "event": event,
        }
        self.show_response(self._signed_post(json.dumps(envelope), "application/json"))

    def _fill_and_submit(self, view: dict[str, Any]) -> None:
        ModalForm(self).fill_and_submit(view)

    # ---------------------------------------------------------------- workers and previews
    def drain(self) -> None:
        """Run the ingestion and outbox workers until idle, so async replies show now."""
        try:
            from scheduler.ingestion import ingest_due
            from scheduler.outbox import deliver_due
        except ImportError:
            return
        for _ in range(10):
            done = ingest_due(self.services) + deliver_due(self.services)
            if not done:
                break

    def preview(self, name: str) -> None:
        """What a scheduled job would send now (a dry run: nothing is claimed or queued)."""
        from datetime import UTC, datetime

        from scheduler.jobs import JOBS
        from scheduler.jobs.base import run_job

        result = run_job(self.services, JOBS[name], now=datetime.now(UTC), dry_run=True, force_day=True)
        self.out(f"\n[preview of {name} for {result.period}: {len(result.messages)} message(s)]")
        for m in result.messages:
            self.out(m.as_text())

    # ---------------------------------------------------------------- loop
    def getting_started(self) -> list[str]:
        """What to do first when the book is empty or the console user has no role (else nothing)."""
        from sqlalchemy import text

        with self.services.engine.connect() as conn:
            cases = conn.execute(text("SELECT count(*) FROM v_enforcement_cases")).scalar_one()
            role = conn.execute(
                text("SELECT role FROM v_app_users WHERE slack_user_id = :u"), {"u": self.user}
            ).scalar()
        lines = []
        if not cases:
            lines.append(
                "The book is empty: `dragonfly demo seed --cases 200` writes a demo book (with its team: U0ALICE01"
                " admin, U0BRUNO02 officer, U0VIEWER7 viewer); `dragonfly run` seeds one and opens this console;"
                " `dragonfly import judgments FILE.csv` loads your own."
            )
        if role is None:
            lines.append(
                f"{self.user} has no role yet, so commands are refused: `dragonfly users grant {self.user} officer`"
                " (viewer reads, officer acts, admin also overrides), or act as a user who has one: `:as U0ALICE01`"
                " after a demo seed."
            )
        return lines

    def run(self) -> int:
        self.out(f"Dragonfly local console, acting as {self.user}. {HELP}")
        for hint in self.getting_started():
            self.out(hint)
        while True:
            line = self._next_line("> " if self.interactive else "")
            if line is None:
                break
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not self.interactive:
                self.out(f"> {line}")
            if line in (":quit", ":q", ":exit"):
                break
            if line == ":help":
                self.out(HELP)
            elif line.startswith(":as "):
                self.user = line.split(maxsplit=1)[1].strip()
                self.out(f"now acting as {self.user}")
            elif line.startswith(":file "):
                path = Path(line.split(maxsplit=1)[1].strip()).expanduser()
                if path.is_file():
                    self.file = path
                    self.out(f"next upload: {self.file}")
                else:
                    self.out(f"  {path} is not a file; give the path of a PDF, PNG, JPEG, TIFF or DOCX")
            elif line.startswith(":click "):
                try:
                    self.click(int(line.split()[1]))
                except ValueError:
                    self.out("  :click takes a button number")
            elif line == ":home":
                self.home()
            elif line == ":digest":
                self.preview("digest")
            elif line == ":weekly":
                self.preview("weekly")
            elif line.startswith("/enforce"):
                self.command(line[len("/enforce") :].strip())
            else:
                self.out("  type /enforce ... or :help")
        self.close()
        return 0

    def close(self) -> None:
        self.server.shutdown()
        self.local.stop()
        self.services.close()
