"""The demo book as a plan: deterministic names, amounts and histories, grouped in phases of
calls of the sanctioned functions (dragonfly/demo.py replays them under the engine's clock)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

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


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat()


# How many cases of 100 end in each stage.
TARGETS = {"intake": 4, "discovery": 30, "execution": 32, "recovery": 16, "closed": 18}
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
        target = rng.choices(list(TARGETS), list(TARGETS.values()))[0]
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
