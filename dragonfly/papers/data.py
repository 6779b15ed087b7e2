"""One function per paper: the fields its template fills, read from the case, or a refusal that
names every missing fact (no debtor address, no employer for an income execution, ...).

Each takes the case's facts (with the policy numbers in force today) and the optional recipient the
person named (a garnishee, an officer or an addressee, depending on the paper).
"""

from __future__ import annotations

from dragonfly.papers.facts import (
    CaseFacts,
    Party,
    base_context,
    money,
    percent,
    refuse_if_missing,
)

Context = dict[str, object]


def _how(case_ref: str, role: str, example: str) -> str:
    return f"Record it: /enforce address {case_ref} {role} {example}"


def _debtor_address(f: CaseFacts, missing: list[tuple[str, str]]) -> None:
    if not f.party("debtor"):
        missing.append(("the debtor's address", _how(f.case.case_ref, "debtor", "12 Main St; Brooklyn, NY 11201.")))


def _one(
    f: CaseFacts, role: str, name: str | None, missing: list[tuple[str, str]], *, label: str, example: str
) -> Party | None:
    """The one party of `role` the paper is for: the one named, or the only one on file."""
    ref = f.case.case_ref
    found = f.party(role, name)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        missing.append((f"one {label} (on file: {names})", f"Name the {label} after the paper, e.g. {found[0].name}."))
    elif name:
        missing.append((f'the address of the {label} "{name}"', _how(ref, role, f"{name}; {example}")))
    else:
        missing.append((f"the {label}'s name and address", _how(ref, role, f"<name>; {example}")))
    return None


def _party_fields(prefix: str, p: Party | None) -> Context:
    return {
        prefix: p.name if p else "",
        f"{prefix}_address": p.address if p else "",
        f"{prefix}_address_line": p.one_line if p else "",
    }


def subpoena(f: CaseFacts, recipient: str | None) -> Context:
    """Information subpoena with restraining notice to a garnishee (CPLR 5224, 5222)."""
    missing: list[tuple[str, str]] = []
    _debtor_address(f, missing)
    garnishee = _one(f, "garnishee", recipient, missing, label="garnishee", example="270 Park Ave; New York, NY 10017")
    refuse_if_missing("information subpoena with restraining notice", f.case.case_ref, missing)
    # CPLR 5222(b): a garnishee is restrained up to twice the amount due on the judgment.
    return {
        **base_context(f),
        **_party_fields("garnishee", garnishee),
        "restrain_amount": money(f.case.balance * 2),
    }


def exemption(f: CaseFacts, recipient: str | None) -> Context:
    """Exemption notice and the two exemption claim forms (CPLR 5222-a), for a person's account."""
    missing: list[tuple[str, str]] = []
    ref = f.case.case_ref
    if f.case.debtor_type != "person":
        missing.append(
            (
                "a debtor who is a natural person (CPLR 5222-a protects a person's account; "
                f"{f.case.debtor_name} is a business)",
                "Serve the restraining notice without the exemption forms.",
            )
        )
    _debtor_address(f, missing)
    garnishee = _one(f, "garnishee", recipient, missing, label="garnishee", example="270 Park Ave; New York, NY 10017")
    exempt = f.policy.get("bank_account_person")
    if exempt is None:
        missing.append(("the exempt amount in force today", "Ask an admin to add it to the policy table."))
    refuse_if_missing("exemption notice and claim forms", ref, missing)
    assert exempt is not None
    return {
        **base_context(f),
        **_party_fields("garnishee", garnishee),
        "exempt_amount": money(exempt[0]),
        "exempt_amount_why": exempt[1],
    }


def _officer(f: CaseFacts, recipient: str | None, missing: list[tuple[str, str]], *, need_address: bool) -> Party:
    """The enforcement officer: the one named, else the case's open marshal workflow or the only one on file."""
    ref = f.case.case_ref
    name = recipient or (f.officers_on_workflows[0] if f.officers_on_workflows else None)
    on_file = f.party("officer", name)
    if len(on_file) == 1:
        return on_file[0]
    if not name and len(on_file) > 1:
        names = ", ".join(p.name for p in on_file)
        missing.append(
            (f"one officer (on file: {names})", f"Name the officer after the paper, e.g. {on_file[0].name}.")
        )
        return Party("")
    if not name:
        missing.append(
            (
                "the marshal or sheriff it goes to",
                f"Name the officer after the paper (e.g. `Marshal Jane Roe`), or record one: "
                f"/enforce address {ref} officer Marshal Jane Roe; 1 Centre St; New York, NY 10007.",
            )
        )
        return Party("")
    if need_address:
        missing.append(
            (f'the address of the officer "{name}"', _how(ref, "officer", f"{name}; 1 Centre St; New York, NY 10007."))
        )
    return Party(name)


def property_execution(f: CaseFacts, recipient: str | None) -> Context:
    """Execution against property, to a marshal or sheriff (CPLR 5230)."""
    missing: list[tuple[str, str]] = []
    _debtor_address(f, missing)
    officer = _officer(f, recipient, missing, need_address=False)
    refuse_if_missing("property execution", f.case.case_ref, missing)
    return {**base_context(f), **_party_fields("officer", officer)}


def income_execution(f: CaseFacts, recipient: str | None) -> Context:
    """Income execution on the debtor's wages, served on the debtor, then the employer (CPLR 5231)."""
    missing: list[tuple[str, str]] = []
    ref = f.case.case_ref
    if f.case.debtor_type != "person":
        missing.append((f"a debtor who earns wages ({f.case.debtor_name} is a business)", "Use a property execution."))
    _debtor_address(f, missing)
    employer = _one(f, "employer", None, missing, label="employer", example="5 Hanover Sq; New York, NY 10004")
    officer = _officer(f, recipient, missing, need_address=False)
    share = f.policy.get("max_gross_share")
    floor = f.policy.get("income_weekly_floor")
    if share is None or floor is None:
        missing.append(("the garnishment limits in force today", "Ask an admin to add them to the policy tables."))
    refuse_if_missing("income execution", ref, missing)
    assert share is not None and floor is not None
    return {
        **base_context(f),
        **_party_fields("employer", employer),
        **_party_fields("officer", officer),
        "gross_share": percent(share[0]),
        "gross_share_why": share[1],
        "weekly_floor": money(floor[0]),
        "weekly_floor_why": floor[1],
    }


def transmittal(f: CaseFacts, recipient: str | None) -> Context:
    """Letter to the marshal or sheriff that sends the execution and the case facts."""
    missing: list[tuple[str, str]] = []
    officer = _officer(f, recipient, missing, need_address=True)
    refuse_if_missing("transmittal letter", f.case.case_ref, missing)
    return {**base_context(f), **_party_fields("officer", officer)}


def payoff(f: CaseFacts, recipient: str | None) -> Context:
    """Payoff (balance) letter to the debtor: what is owed today, how it is made up, the daily interest."""
    missing: list[tuple[str, str]] = []
    _debtor_address(f, missing)
    refuse_if_missing("payoff letter", f.case.case_ref, missing)
    debtor = f.debtor()
    return {**base_context(f), "addressee": debtor.name, "attention": recipient or ""}
