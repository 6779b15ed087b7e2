"""The typed steps (dragonfly/steps.py): the JSON an ingestion row holds, read back to the same
step; rows written by earlier versions still read; an unknown step is a refusal."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest

from dragonfly import steps
from dragonfly.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]

# What the bot writes today (the shapes tests/e2e/test_documents.py and test_law_slack.py see).
ROWS = [
    ({"op": "queue", "kind": "levy", "recipient": "Chase Bank", "note": None}, "levy:queue"),
    (
        {
            "op": "queue",
            "kind": "restraining_notice",
            "recipient": "Chase",
            "note": None,
            "garnishee_kind": "bank",
            "exemption_job": "F0EX:restraining_notice:queue:exemption_forms",
        },
        "restraining_notice:queue",
    ),
    ({"op": "advance", "action_id": 7, "state": "found", "note": None, "officer_docket": None}, "advance:7:found"),
    ({"op": "pay", "amount": "1234.00", "kind": "direct", "idempotency_key": "slack:pay:V0P2"}, "pay"),
    ({"op": "subpoena", "recipient": "Chase Bank", "by_mail": True}, "subpoena"),
    ({"op": "subpoena", "recipient": "First Bank"}, "subpoena"),
    ({"op": "attach"}, "attach"),
]


@pytest.mark.parametrize(("row", "key"), ROWS)
def test_a_row_reads_back_to_the_step_that_writes_it(row: dict, key: str) -> None:  # type: ignore[type-arg]
    step = steps.from_json(row)
    assert step.to_json() == row
    assert step.key == key
    assert steps.from_json(step.to_json()) == step


def test_rows_of_earlier_versions_still_read() -> None:
    # a workflow number as text, an amount as a JSON number, a flag as text, keys added later absent
    advance = steps.from_json({"op": "advance", "action_id": "#7", "state": "levied"})
    assert advance == steps.AdvanceWorkflow(action_id=7, state="levied")
    assert advance.key == "advance:7:levied" and advance.exemption_job is None
    pay = steps.from_json({"op": "pay", "amount": 125.5, "kind": "direct", "idempotency_key": None})
    assert pay == steps.Pay(amount=Decimal("125.5"), kind="direct") and isinstance(pay.amount, Decimal)
    mailed = steps.from_json({"op": "subpoena", "recipient": "Chase", "by_mail": "true"})
    assert mailed == steps.IssueSubpoena(recipient="Chase", by_mail=True)
    queued = steps.from_json({"op": "queue", "kind": "levy"})
    assert queued == steps.QueueWorkflow(kind="levy") and queued.garnishee_kind is None
    # keys this version does not know are ignored rather than lost work
    assert steps.from_json({"op": "attach", "since": "later"}) == steps.Attach()


@pytest.mark.parametrize("row", [None, {}, {"op": "teleport"}, {"op": "queue"}, {"op": "advance", "state": "x"}])
def test_an_unknown_or_incomplete_step_is_a_refusal(row: dict | None) -> None:  # type: ignore[type-arg]
    with pytest.raises(DomainError, match="Unknown step"):
        steps.from_json(row)


def test_starting_an_information_subpoena_is_serving_it() -> None:
    served = steps.start_workflow("information_subpoena", recipient="Chase", note="n", garnishee_kind="bank")
    assert served == steps.IssueSubpoena(recipient="Chase")
    assert served.paper_recipient == "Chase"
    levy = steps.start_workflow("levy", recipient="Chase", garnishee_kind="bank")
    assert levy == steps.QueueWorkflow(kind="levy", recipient="Chase", garnishee_kind="bank")
    assert levy.paper_recipient is None  # the typed recipient is the garnishee only of a restraint


def test_production_code_imports_no_test_support() -> None:
    """bot/, dragonfly/, scheduler/ and storage/ never import tests/ (the console's Slack
    stand-in is production code that tests reuse, not the other way round)."""
    offenders = []
    for folder in ("bot", "dragonfly", "scheduler", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                if any(n == "tests" or n.startswith("tests.") for n in names):
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
