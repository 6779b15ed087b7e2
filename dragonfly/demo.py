"""A realistic, deterministic demo book, written only through the sanctioned functions.

History is replayed with the engine's clock (`dragonfly.clock`): each batch statement sets the
clock per row before calling the function, so events carry believable past times while every
row and event still comes from a sanctioned function.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from dragonfly import rpc
from dragonfly.bootstrap import Services

OWNERS = ["U0ALICE01", "U0BRUNO02", "U0CARLA03", "U0DEVON04", "U0ELENA05", "U0FARID06"]
PLAINTIFFS = [
    "Acme Funding LLC",
    "Bayside Medical Group",
    "Citywide Lenders Inc",
    "Empire Auto Finance",
    "Hudson Valley Supply Co",
    "Kingsbridge Properties LLC",
    "Liberty Card Services",
    "Midtown Equipment Leasing",
    "Northshore Credit Union",
    "Queensboro Wholesale Corp",
    "Riverside Dental PC",
    "Staten Island Builders Inc",
]
FIRST = ["James", "Maria", "Wei", "Aisha", "Carlos", "Olga", "Darnell", "Priya", "Sean", "Fatima", "Luis", "Hana"]
LAST = [
    "Rivera",
    "Chen",
    "Johnson",
    "Okafor",
    "Kowalski",
    "Patel",
    "Murphy",
    "Haddad",
    "Nguyen",
    "Cohen",
    "Santos",
    "Brown",
]
BUSINESS = [
    "Bagels",
    "Auto Body",
    "Construction",
    "Deli",
    "Trucking",
    "Laundromat",
    "Pharmacy",
    "Fitness",
    "Printing",
    "Electric",
]
COUNTIES = ["Kings", "New York", "Queens", "Bronx", "Richmond", "Nassau", "Suffolk", "Westchester"]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@dataclass
class Plan:
    """The calls to replay, grouped in phases so each case's history stays in time order."""

    phases: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)

    def add(self, phase: str, row: dict[str, Any]) -> None:
        for name, rows in self.phases:
            if name == phase:
                rows.append(row)
                return
        self.phases.append((phase, [row]))


# Each phase: the function, and the jsonb_to_recordset column types of its arguments.
SIGNATURES: dict[str, tuple[str, dict[str, str]]] = {
    "create": (
        "create_enforcement_case",
        {
            "plaintiff_name": "text",
            "debtor_name": "text",
            "debtor_type": "text",
            "court": "text",
            "county": "text",
            "index_number": "text",
            "entered_on": "date",
            "principal": "numeric",
            "costs": "numeric",
            "consumer_debt": "boolean",
            "owner": "text",
            "actor": "text",
            "source": "text",
        },
    ),
    "discovery": ("set_enforcement_stage", {"case_ref": "text", "stage": "text", "actor": "text", "note": "text"}),
    "asset": (
        "record_asset",
        {
            "case_ref": "text",
            "kind": "text",
            "description": "text",
            "actor": "text",
            "verified_on": "date",
            "county": "text",
        },
    ),
    "search": ("queue_enforcement_action", {"case_ref": "text", "kind": "text", "actor": "text"}),
    "levy": (
        "queue_enforcement_action",
        {"case_ref": "text", "kind": "text", "actor": "text", "document_id": "bigint"},
    ),
    # `at` is each row's clock, so set_next_action's own `at` travels as `at_`.
    "next": ("set_next_action", {"case_ref": "text", "at_": "timestamptz", "what": "text", "actor": "text"}),
    "execution": ("set_enforcement_stage", {"case_ref": "text", "stage": "text", "actor": "text"}),
    "document": (
        "attach_enforcement_document",
        {
            "case_ref": "text",
            "kind": "text",
            "storage_key": "text",
            "sha256": "text",
            "size_bytes": "bigint",
            "content_type": "text",
            "original_name": "text",
            "uploader": "text",
        },
    ),
    "payment": (
        "record_enforcement_payment",
        {
            "case_ref": "text",
            "amount": "numeric",
            "kind": "text",
            "idempotency_key": "text",
            "actor": "text",
            "received_on": "date",
        },
    ),
    "recovery": ("set_enforcement_stage", {"case_ref": "text", "stage": "text", "actor": "text"}),
    "closed": (
        "set_enforcement_stage",
        {"case_ref": "text", "stage": "text", "actor": "text", "closing_reason": "text", "note": "text"},
    ),
    "note": ("add_case_note", {"case_ref": "text", "text": "text", "actor": "text"}),
    "blocker": (
        "log_enforcement_blocker",
        {"case_ref": "text", "kind": "text", "reason": "text", "eta": "date", "actor": "text"},
    ),
    "override": (
        "set_tier_override",
        {"case_ref": "text", "tier": "integer", "reason": "text", "expires_at": "timestamptz", "actor": "text"},
    ),
}


def _batch_sql(function: str, columns: dict[str, str]) -> str:
    cols = ", ".join(f"{k} {v}" for k, v in {"at": "text", **columns}.items())
    args = ", ".join(f"p_{k.rstrip('_')} => r.{k}" for k in columns)
    # set_config runs first for each row, so the function sees that row's clock.
    return (
        f"SELECT set_config('dragonfly.clock', r.at, true), {function}({args}) "
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({cols})"
    )


def _run_phase(conn: Connection, phase: str, rows: list[dict[str, Any]]) -> list[Any]:
    function, columns = SIGNATURES[phase.split(":")[0]]
    sql = text(_batch_sql(function, columns))
    results: list[Any] = []
    for i in range(0, len(rows), 2000):
        chunk = rows[i : i + 2000]
        results.extend(r[1] for r in conn.execute(sql, {"rows": json.dumps(chunk, default=str)}))
    return results


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


# How the open cases of the demo book stand, like a working firm's: most on time, some with a
# next action just past due, a few breaching an SLA (stage_sla / v_case_sla_breaches).
HEALTH = {"on_time": 80, "past_due": 12, "breach": 8}
# Where in a case's history (0 = created, 1 = now) it enters each stage.
ENTRY = {"intake": 0.0, "discovery": 0.05, "execution": 0.35, "recovery": 0.6}


def _dwell_days(rng: random.Random, stage: str, health: str, span_days: float) -> float:
    """Days since the case entered its current stage: within the shortest SLA of that stage
    (Tier 3's, sql/0001_core.sql stage_sla) unless the case is to breach it."""
    if health == "breach" and stage in ("discovery", "execution"):
        return rng.uniform(65, 120) if stage == "discovery" else rng.uniform(95, 200)
    if stage == "discovery":
        return rng.uniform(0.5, 8)
    if stage == "execution":
        return rng.uniform(1, 25)
    return rng.uniform(5, max(6.0, span_days * 0.4))  # recovery: no SLA while payments come


def build_plan(n: int, *, seed: int, now: datetime, start_number: int) -> tuple[Plan, list[dict[str, Any]]]:
    """The whole book as phases of calls; also the levy documents to store (bytes made later)."""
    rng = random.Random(seed)
    plan = Plan()
    levies: list[dict[str, Any]] = []
    today = now.date()
    for i in range(n):
        ref = f"DF-{start_number + i}"
        person = rng.random() < 0.7
        debtor = (
            f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if person
            else f"{rng.choice(LAST)} {rng.choice(BUSINESS)} {rng.choice(['LLC', 'Inc', 'Corp'])}"
        )
        county = rng.choice(COUNTIES)
        age_days = int(rng.triangular(40, 18 * 365, 2 * 365))
        principal = Decimal(str(round(min(400000.0, rng.lognormvariate(8.8, 1.1)), 2))).quantize(Decimal("0.01"))
        principal = max(principal, Decimal("350.00"))
        owner = rng.choice(OWNERS)
        target = rng.choices(["intake", "discovery", "execution", "recovery", "closed"], [4, 30, 32, 16, 18])[0]
        health = rng.choices(list(HEALTH), list(HEALTH.values()))[0] if target != "closed" else "on_time"
        span_days = rng.uniform(2, min(540, age_days))
        end = now - timedelta(hours=1)  # the last step of a case's history
        if target == "intake":
            span_days = rng.uniform(0.1, 0.8) if health != "breach" else rng.uniform(3, 20)
            entry_frac, dwell = 0.0, span_days
        elif target == "closed":
            entry_frac, dwell = 1.0, 0.0
        else:
            entry_frac = ENTRY[target]
            dwell = _dwell_days(rng, target, health, span_days)
            span_days = max(span_days, dwell / (1 - entry_frac) + rng.uniform(5, 60))
        age_days = max(age_days, int(span_days) + 30)
        entered = today - timedelta(days=age_days)
        t0 = now - timedelta(days=span_days)
        entry = now - timedelta(days=dwell) if target != "closed" else end

        # Steps before the current stage's entry are spread over [t0, entry], the rest over
        # [entry, end], so the time in the current stage is the one chosen above.
        def at(
            frac: float, _t0: datetime = t0, _entry: datetime = entry, _f: float = entry_frac, _end: datetime = end
        ) -> str:
            if frac <= _f:
                return _iso(_t0 + (_entry - _t0) * (frac / _f if _f else 0.0))
            return _iso(_entry + (_end - _entry) * ((frac - _f) / (1 - _f)))

        court = (
            "Civil Court of the City of New York"
            if county in ("Kings", "New York", "Queens", "Bronx", "Richmond")
            else "Supreme Court"
        )
        plan.add(
            "create",
            dict(
                at=_iso(t0),
                plaintiff_name=rng.choice(PLAINTIFFS),
                debtor_name=debtor,
                debtor_type="person" if person else "business",
                court=court,
                county=county,
                index_number=f"{100000 + start_number + i}/{entered.year % 100:02d}",
                entered_on=entered.isoformat(),
                principal=str(principal),
                costs=str(Decimal(rng.choice([0, 45, 120, 250, 410]))),
                consumer_debt=person and rng.random() < 0.5,
                owner=owner,
                actor="cli:demo",
                source="demo",
            ),
        )
        actor = owner or "U0ALICE01"
        if target == "intake":
            _tail(plan, rng, ref, actor, now, at, health)
            continue
        plan.add("discovery", dict(at=at(0.05), case_ref=ref, stage="discovery", actor=actor, note="judgment verified"))
        if rng.random() < 0.6:
            kind = rng.choice(["employer", "bank_account", "real_property", "vehicle", "exempt_income"])
            found = datetime.fromisoformat(at(0.15))
            verified = found.date() - timedelta(days=1 + rng.randint(0, 200))
            plan.add(
                "asset",
                dict(
                    at=at(0.15),
                    case_ref=ref,
                    kind=kind,
                    actor=actor,
                    description=f"{kind.replace('_', ' ')} found in public records",
                    verified_on=max(verified, entered).isoformat(),
                    county=county if kind == "real_property" else None,
                ),
            )
        # An asset search is due 5-10 days after it is asked for; only cases still in discovery
        # have one open (a firm that moved on to execution finished its search).
        if target == "discovery" and rng.random() < 0.35:
            plan.add("search", dict(at=at(0.2), case_ref=ref, kind="asset_search", actor=actor))
        if target == "discovery":
            _tail(plan, rng, ref, actor, now, at, health)
            continue
        plan.add("execution", dict(at=at(0.35), case_ref=ref, stage="execution", actor=actor))
        # A levy's execution is returnable 60 days after issue (CPLR 5230(c)); an open levy is
        # started only where that date is still ahead, unless the case is one that breaches.
        levy_at = datetime.fromisoformat(at(0.4))
        if rng.random() < 0.5 and (target != "closed") and (health == "breach" or now - levy_at < timedelta(days=55)):
            levies.append(dict(at=at(0.4), case_ref=ref, actor=actor, seq=i))
        if target == "execution":
            _tail(plan, rng, ref, actor, now, at, health)
            continue
        for k, frac in enumerate((0.55, 0.7, 0.85)[: rng.randint(1, 3)]):
            amount = (principal * Decimal(rng.uniform(0.02, 0.12))).quantize(Decimal("0.01"))
            plan.add(
                f"payment:{k}",
                dict(
                    at=at(frac),
                    case_ref=ref,
                    amount=str(amount),
                    kind=rng.choice(["direct", "plan_installment", "garnishment_remittance"]),
                    idempotency_key=f"demo-{ref}-{k}",
                    actor=actor,
                    received_on=(datetime.fromisoformat(at(frac)) - timedelta(days=1)).date().isoformat(),
                ),
            )
            if k == 0:
                plan.add("recovery", dict(at=at(0.6), case_ref=ref, stage="recovery", actor=actor))
        if target == "recovery":
            _tail(plan, rng, ref, actor, now, at, health)
            continue
        plan.add(
            "closed",
            dict(
                at=at(0.95),
                case_ref=ref,
                stage="closed",
                actor=actor,
                closing_reason=rng.choice(["settled", "satisfied", "uncollectible"]),
                note="closed after review",
            ),
        )
    return plan, levies


def _tail(
    plan: Plan,
    rng: random.Random,
    ref: str,
    actor: str,
    now: datetime,
    at: Callable[[float], str],
    health: str = "on_time",
) -> None:
    """Open cases: a note, a next action (ahead; just past due; or days overdue for a breaching
    case), sometimes a blocker (its ETA ahead) or an override."""
    if rng.random() < 0.3:
        plan.add("note", dict(at=at(0.9), case_ref=ref, text="called the debtor; left a message", actor=actor))
    # After every other step of the case (those run up to 0.95 of its span), so the log stays in order.
    clock = datetime.fromisoformat(at(0.97))
    if health == "past_due":  # due between the call and now: past due by hours, not yet an SLA breach
        when = clock + (now - clock) * rng.uniform(0.3, 0.9)
    elif health == "breach" and now - clock > timedelta(days=3):
        when = clock + (now - clock) * rng.uniform(0.1, 0.5)  # days overdue
    else:
        when = now + timedelta(days=rng.uniform(1, 30))
    # `at` is the clock of the call; `at_` is the next-action time.
    plan.add(
        "next",
        dict(
            at=_iso(clock),
            at_=_iso(when),
            case_ref=ref,
            actor=actor,
            what=rng.choice(
                [
                    "follow up with the marshal",
                    "check the bank's answer",
                    "call the employer",
                    "review the asset search",
                ]
            ),
        ),
    )
    # A blocker moves the next action to its ETA, so a just-past-due case has none.
    if health != "past_due" and rng.random() < 0.12:
        bclock = datetime.fromisoformat(at(0.98))
        eta = now.date() + timedelta(days=rng.randint(1, 30))
        if health == "breach" and now - bclock > timedelta(days=3):
            eta = bclock.date() + timedelta(days=1)  # its ETA has passed
        plan.add(
            "blocker",
            dict(
                at=_iso(bclock),
                case_ref=ref,
                actor=actor,
                kind=rng.choice(["court", "marshal_or_sheriff", "bank", "employer"]),
                reason=rng.choice(["waiting on the clerk", "marshal backlog", "bank has not answered"]),
                eta=eta.isoformat(),
            ),
        )
    if rng.random() < 0.03:
        oclock = datetime.fromisoformat(at(0.99))
        plan.add(
            "override",
            dict(
                at=_iso(oclock),
                case_ref=ref,
                tier=3,
                actor="U0ALICE01",
                reason="client priority",
                expires_at=_iso(oclock + timedelta(days=60)),
            ),
        )


def seed(
    services: Services,
    *,
    cases: int,
    seed_value: int = 7,
    now: datetime | None = None,
    documents: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write a demo book of `cases` cases; returns counts."""
    now = now or datetime.now(UTC) - timedelta(minutes=5)
    say = progress or (lambda _m: None)
    with services.engine.connect() as conn:
        start = int(
            conn.execute(
                text("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM case_number_seq")
            ).scalar_one()
        )
    plan, levies = build_plan(cases, seed=seed_value, now=now, start_number=start)
    counts: dict[str, int] = {}
    order = [
        "create",
        "discovery",
        "asset",
        "search",
        "execution",
        "levy",
        "payment:0",
        "recovery",
        "payment:1",
        "payment:2",
        "closed",
        "note",
        "next",
        "blocker",
        "override",
    ]
    phases = dict(plan.phases)
    with services.engine.begin() as conn:
        for phase in order:
            if phase == "levy":
                if documents and levies:
                    counts["levy"] = _levies(services, conn, levies)
                continue
            rows = phases.get(phase, [])
            if not rows:
                continue
            _run_phase(conn, phase, rows)
            counts[phase] = len(rows)
            say(f"{phase}: {len(rows)}")
        rpc.set_clock(conn, None)
        rpc.assign_tiers(conn, actor="system:nightly")
        # The demo team: the first owner is an admin, the others officers, one viewer.
        for i, user in enumerate(OWNERS):
            rpc.grant_role(conn, slack_user_id=user, role="admin" if i == 0 else "officer", actor="cli:demo")
        rpc.grant_role(conn, slack_user_id="U0VIEWER7", role="viewer", actor="cli:demo")
    return counts


def _levies(services: Services, conn: Connection, levies: Sequence[dict[str, Any]]) -> int:
    """Store an execution for each levy, attach it, and start the levy with it."""
    docs = []
    for lv in levies:
        body = PDF + f"% execution for {lv['case_ref']}\n".encode()
        stored = services.store.put(
            io.BytesIO(body),
            case_ref=lv["case_ref"],
            kind="execution",
            filename=f"execution-{lv['case_ref']}.pdf",
            uploader=lv["actor"],
        )
        docs.append(
            dict(
                at=lv["at"],
                case_ref=lv["case_ref"],
                kind="execution",
                storage_key=stored.key,
                sha256=stored.sha256,
                size_bytes=stored.size,
                content_type=stored.content_type,
                original_name=stored.original_name,
                uploader=lv["actor"],
            )
        )
    results = _run_phase(conn, "document", docs)
    rows = [
        dict(at=d["at"], case_ref=d["case_ref"], kind="levy", actor=d["uploader"], document_id=r["document_id"])
        for d, r in zip(docs, results, strict=True)
    ]
    _run_phase(conn, "levy", rows)
    return len(rows)
