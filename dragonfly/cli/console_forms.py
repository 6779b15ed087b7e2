"""The local console's modals as forms in the terminal: each input block is asked for in turn
(typed at a prompt, or the next stdin line), then submitted to the bot as Slack would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dragonfly.cli.local_slack import render_blocks, text_of

if TYPE_CHECKING:
    from dragonfly.cli.console import Console


class ModalForm:
    def __init__(self, console: Console) -> None:
        self.console = console

    def fill_and_submit(self, view: dict[str, Any]) -> None:
        c = self.console

        c.out(f"\n[modal: {text_of(view.get('title'))}]")
        if not view.get("submit"):  # a modal to read (a card, full texts, a refusal): nothing to submit
            for line in render_blocks(view.get("blocks") or []):
                c.out("  " + line)
            return
        for attempt in range(2):
            values: dict[str, dict[str, Any]] = {}
            for block in view.get("blocks") or []:
                if block.get("type") != "input":
                    for line in render_blocks([block]):
                        c.out("  " + line)
                    continue
                el = block.get("element") or {}
                value = self.element_value(text_of(block.get("label")), el, optional=bool(block.get("optional")))
                if value is not None:
                    values[block["block_id"]] = {el.get("action_id", "value"): value}
            payload = {
                "type": "view_submission",
                "team": {"id": "TLOCAL"},
                "user": {"id": c.user, "name": c.user},
                "api_app_id": "ALOCAL",
                "trigger_id": f"{next(c.ids)}.{c.session}.trigger",
                "view": {**view, "state": {"values": values}, "id": view.get("id"), "hash": "h", "type": "modal"},
            }
            resp = c.form({"payload": json.dumps(payload)})
            try:
                body = resp.json() if resp.text else {}
            except ValueError:
                body = {}
            if isinstance(body, dict) and body.get("response_action") == "errors":
                for block_id, msg in (body.get("errors") or {}).items():
                    c.out(f"  ! {block_id}: {msg}")
                if attempt == 0 and c.interactive:
                    continue
                c.out("  (modal closed without saving)")
                return
            c.show_response(resp)
            c.out("  (submitted)")
            return

    def element_value(self, label: str, el: dict[str, Any], *, optional: bool) -> dict[str, Any] | None:
        c = self.console
        kind = el.get("type")
        if kind == "file_input":
            path = c.file
            if path is None:
                typed = c.answer(f"{label} (file path)")
                path = Path(typed) if typed else None
            if path is None or not path.exists():
                c.out(f"  {label}: (no file)")
                return None if optional else {"type": "file_input", "files": []}
            c.out(f"  {label}: {path}")
            c.file = None
            return {"type": "file_input", "files": [c.local.add_file(path)]}
        if kind in ("static_select", "radio_buttons", "external_select"):
            options = [o for g in el.get("option_groups") or [] for o in g.get("options", [])] + list(
                el.get("options") or []
            )
            initial = el.get("initial_option") or {}
            if options:
                c.out(f"  {label}: " + ", ".join(f"{i + 1}={_opttext_of(o)}" for i, o in enumerate(options)))
            typed = c.answer(label, str(initial.get("value", "")))
            if not typed:
                return None
            chosen = next((o for i, o in enumerate(options) if typed in (str(i + 1), o.get("value"))), None)
            chosen = chosen or {"text": {"type": "plain_text", "text": typed}, "value": typed}
            return {"type": kind, "selected_option": chosen}
        if kind == "datepicker":
            typed = c.answer(f"{label} (YYYY-MM-DD)", str(el.get("initial_date", "")))
            return {"type": kind, "selected_date": typed or None}
        if kind == "users_select":
            typed = c.answer(f"{label} (user id)", str(el.get("initial_user", "")))
            return {"type": kind, "selected_user": typed or None}
        if kind == "checkboxes":
            typed = c.answer(f"{label} (y/n)", "n")
            opts = el.get("options") or []
            return {"type": kind, "selected_options": opts[:1] if typed.lower().startswith("y") else []}
        typed = c.answer(label, str(el.get("initial_value", "")))
        return {"type": kind or "plain_text_input", "value": typed or None}


def _opttext_of(o: dict[str, Any]) -> str:
    t = o.get("text")
    return str(t.get("text") if isinstance(t, dict) else t or o.get("value"))
