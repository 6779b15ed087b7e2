"""The "Draft" buttons: one per paper a workflow step is served or delivered with."""

from __future__ import annotations

from bot import ids
from bot.blocks.common import Block
from dragonfly.papers import PAPERS, PAPERS_FOR_STEP


def draft_actions(*, case_ref: str, kind: str, state: str, recipient: str | None) -> list[Block]:
    """An actions block of "Draft ..." buttons for the step (kind -> state), or nothing."""
    names = PAPERS_FOR_STEP.get((kind, state), ())
    if not names:
        return []
    elements = [
        {
            "type": "button",
            "action_id": f"{ids.A_DRAFT_PAPER}:{name}",  # unique within the block
            "text": {"type": "plain_text", "text": f"Draft: {PAPERS[name].title}"[:75]},
            "value": f"{case_ref}|{name}|{recipient or ''}"[:1900],
        }
        for name in names
    ]
    return [{"type": "actions", "block_id": "df_draft_papers", "elements": elements}]
