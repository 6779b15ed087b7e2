"""Modals: one builder per form, plus the inputs they are made of."""

from __future__ import annotations

import json
from typing import Any

from bot import ids
from bot.blocks.common import Block, option, plain, section
from dragonfly import rules


def payment_kinds() -> list[str]:
    """The kinds a person records (a reversal is its own admin action, not a kind to pick)."""
    return [k for k in rules.current().of("payment_kind") if k != "reversal"]


FILE_TYPES = ["pdf", "png", "jpg", "jpeg", "tif", "tiff", "docx"]
# Whom a restraint or levy is served on (CPLR 5222, 5232; docs/domain.md "Exemptions").
EXEMPTION_HINT = (
    "Required on a natural person's bank account (CPLR 5222-a): the exemption notice and two"
    " exemption claim forms served with it. PDF, PNG, JPEG, TIFF or DOCX, up to 10 MB"
)


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {"action_id": block_id, **element},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def case_picker(case_ref: str | None) -> Block:
    element: dict[str, Any] = {
        "type": "external_select",
        "min_query_length": 0,
        "placeholder": plain("DF-number, plaintiff or debtor"),
    }
    if case_ref:
        element["initial_option"] = option(case_ref, case_ref)
    return _input(ids.B_CASE, "Case", element)


def select(
    block_id: str,
    label: str,
    values: list[str],
    *,
    initial: str | None = None,
    optional: bool = False,
) -> Block:
    element: dict[str, Any] = {"type": "static_select", "options": [option(v, v) for v in values]}
    if initial in values:
        element["initial_option"] = option(initial, initial)  # type: ignore[arg-type]
    return _input(block_id, label, element, optional=optional)


def text_input(
    block_id: str,
    label: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    initial: str | None = None,
    hint: str | None = None,
) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    return _input(block_id, label, element, optional=optional, hint=hint)


def date_input(block_id: str, label: str, *, initial: str | None = None) -> Block:
    element: dict[str, Any] = {"type": "datepicker"}
    if initial:
        element["initial_date"] = initial
    return _input(block_id, label, element)


def file_input(label: str, *, optional: bool = False) -> Block:
    return _input(
        ids.B_FILE,
        label,
        {"type": "file_input", "filetypes": FILE_TYPES, "max_files": 1},
        optional=optional,
        hint="PDF, PNG, JPEG, TIFF or DOCX, up to 10 MB",
    )


def exemption_file_input() -> Block:
    """The second document of a restraint or levy on a person's bank account (CPLR 5222-a)."""
    return _input(
        ids.B_EXEMPTION_FILE,
        "Exemption notice and claim forms",
        {"type": "file_input", "filetypes": FILE_TYPES, "max_files": 1},
        optional=True,
        hint=EXEMPTION_HINT,
    )


def modal(callback_id: str, title: str, blocks: list[Block], meta: dict[str, Any], submit: str = "Save") -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title[:24]),
        "submit": plain(submit),
        "close": plain("Cancel"),
        "blocks": blocks,
        "private_metadata": json.dumps(meta)[:3000],
    }


def stage_modal(meta: dict[str, Any], case_ref: str | None, stage: str | None = None) -> dict:
    return modal(
        ids.VIEW_STAGE,
        "Move stage",
        [
            case_picker(case_ref),
            select(ids.B_STAGE, "New stage", list(rules.current().of("stage")), initial=stage),
            select(
                ids.B_REASON, "Closing reason (when closing)", list(rules.current().of("closing_reason")), optional=True
            ),
            text_input(ids.B_NOTE, "Note", optional=True, multiline=True),
        ],
        meta,
    )


def block_modal(meta: dict[str, Any], case_ref: str | None) -> dict:
    return modal(
        ids.VIEW_BLOCK,
        "Log a blocker",
        [
            case_picker(case_ref),
            select(ids.B_KIND, "Kind", list(rules.current().of("blocker_kind"))),
            text_input(ids.B_REASON, "Reason", multiline=True),
            date_input(ids.B_DATE, "ETA"),
        ],
        meta,
    )


def override_modal(meta: dict[str, Any], case_ref: str | None) -> dict:
    return modal(
        ids.VIEW_OVERRIDE,
        "Override tier",
        [
            case_picker(case_ref),
            select(ids.B_TIER, "Tier", ["3", "2", "1", "0"]),
            date_input(ids.B_DATE, "Until (at most 90 days)"),
            text_input(ids.B_REASON, "Reason", multiline=True),
        ],
        meta,
    )


def assign_modal(meta: dict[str, Any], case_ref: str | None) -> dict:
    return modal(
        ids.VIEW_ASSIGN,
        "Assign owner",
        [case_picker(case_ref), _input(ids.B_USER, "Owner", {"type": "users_select"})],
        meta,
    )


def note_modal(meta: dict[str, Any], case_ref: str | None) -> dict:
    return modal(
        ids.VIEW_NOTE,
        "Add a note",
        [case_picker(case_ref), text_input(ids.B_NOTE, "Note", multiline=True)],
        meta,
    )


def next_modal(meta: dict[str, Any], case_ref: str | None) -> dict:
    return modal(
        ids.VIEW_NEXT,
        "Next action",
        [
            case_picker(case_ref),
            date_input(ids.B_DATE, "When"),
            text_input(ids.B_WHAT, "What", optional=True),
        ],
        meta,
    )


def pay_modal(meta: dict[str, Any], case_ref: str | None, *, proof_required: bool) -> dict:
    return modal(
        ids.VIEW_PAY,
        "Record a payment",
        [
            case_picker(case_ref),
            text_input(ids.B_AMOUNT, "Amount", hint="Dollars and cents, like 1,250.00"),
            select(ids.B_KIND, "Kind", payment_kinds(), initial="direct"),
            select(
                ids.B_DOC_KIND,
                "Proof document kind",
                list(rules.current().payment_proof_kinds),
                initial=rules.current().payment_proof_kinds[0],
                optional=not proof_required,
            ),
            file_input("Proof of payment", optional=not proof_required),
        ],
        meta,
    )


def workflow_modal(
    meta: dict[str, Any], case_ref: str | None, *, title: str, kinds: list[str], recipient_required: bool = False
) -> dict:
    blocks = [
        case_picker(case_ref),
        text_input(ids.B_RECIPIENT, "Recipient (bank, employer, officer)", optional=not recipient_required),
        text_input(ids.B_NOTE, "Note", optional=True),
    ]
    if meta.get("kind") in ("restraining_notice", "levy"):
        # A levy may not know its garnishee until the officer levies; a restraint is served now.
        blocks.append(
            select(
                ids.B_GARNISHEE,
                "Whom it is served on",
                list(rules.current().of("garnishee_kind")),
                optional=meta.get("kind") == "levy",
            )
        )
    if kinds:
        blocks.append(select(ids.B_DOC_KIND, "Document kind", kinds, initial=kinds[0]))
        blocks.append(file_input(f"The {' or '.join(kinds)}"))
    if meta.get("kind") == "restraining_notice":
        blocks.append(exemption_file_input())
    return modal(ids.VIEW_WORKFLOW, title, blocks, meta, submit="Start")


def advance_modal(meta: dict[str, Any], case_ref: str | None, action_id: str | None = None) -> dict:
    return modal(
        ids.VIEW_ADVANCE,
        "Next workflow step",
        [
            case_picker(case_ref),
            text_input(
                ids.B_ACTION,
                "Workflow number",
                initial=action_id,
                hint="As listed on the case card, e.g. 7",
            ),
            text_input(ids.B_STATE, "New state", hint="e.g. delivered_to_officer, levied, served"),
            text_input(ids.B_DOCKET, "Officer's docket number", optional=True),
            text_input(ids.B_NOTE, "Note", optional=True),
            select(
                ids.B_DOC_KIND,
                "Document kind (when the step needs one)",
                # every kind a document can be, but a draft: a draft is never proof (sql/0101)
                [k for k in rules.current().of("document_kind") if k != "draft"],
                optional=True,
            ),
            file_input("Document (when the step needs one)", optional=True),
            select(
                ids.B_GARNISHEE,
                "Whom a levy is served on (when levied)",
                list(rules.current().of("garnishee_kind")),
                optional=True,
            ),
            exemption_file_input(),
        ],
        meta,
        submit="Record",
    )


def case_modal(meta: dict[str, Any]) -> dict:
    return modal(ids.VIEW_CASE, "Open a case", [case_picker(None)], meta, submit="Show")


def card_modal(blocks: list[Block], meta: dict[str, Any] | None = None) -> dict:
    """The case card in a modal; `meta` keeps the channel the person started in, so forms
    opened from its buttons post their result there."""
    return {
        "type": "modal",
        "title": plain("Case"),
        "close": plain("Close"),
        "blocks": blocks[:100],
        "private_metadata": json.dumps(meta or {})[:3000],
    }


def notice_modal(title: str, text: str) -> dict:
    """A small modal with one message (a refused click inside a modal is answered with it)."""
    return {
        "type": "modal",
        "title": plain(title[:24]),
        "close": plain("OK"),
        "blocks": [section(text)],
    }


def full_text_modal(case_ref: str, blocks: list[Block]) -> dict:
    """A case's typed texts in full (cards.full_texts)."""
    return {
        "type": "modal",
        "callback_id": ids.VIEW_FULL,
        "title": plain(f"{case_ref} texts"[:24]),
        "close": plain("Close"),
        "blocks": blocks[:100],
    }
