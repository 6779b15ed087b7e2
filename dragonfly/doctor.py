"""Health checks behind `dragonfly doctor`: each returns ok plus lines a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text

from dragonfly import db
from dragonfly.bootstrap import Services


@dataclass
class CheckResult:
    name: str
    ok: bool
    details: list[str] = field(default_factory=list)


def check_migrations(s: Services) -> CheckResult:
    pending = [mid for mid, applied in db.migration_status(s.database_url) if not applied]
    return CheckResult("migrations", not pending, [f"pending: {m} (run: dragonfly db upgrade)" for m in pending])


# Recomputes every event's hash from its stored content and its predecessor's hash.
CHAIN_SQL = text("""
WITH e AS (
    SELECT e.id, e.case_id, e.seq, e.prev_hash, e.hash,
           lag(e.hash) OVER (PARTITION BY e.case_id ORDER BY e.seq) AS expected_prev,
           lag(e.seq) OVER (PARTITION BY e.case_id ORDER BY e.seq) AS prev_seq,
           event_hash(e.prev_hash, event_canonical(e.case_id, e.seq, e.kind, e.actor, e.source, e.payload,
                                                   e.document_id, e.action_id, e.occurred_at)) AS recomputed
      FROM enforcement_events e)
SELECT c.case_ref, e.seq,
       CASE WHEN e.recomputed <> e.hash THEN 'content does not match its hash'
            WHEN e.prev_hash <> coalesce(e.expected_prev, repeat('0', 64)) THEN 'link to the previous event is broken'
            ELSE 'sequence gap' END AS problem
  FROM e JOIN enforcement_cases c ON c.id = e.case_id
 WHERE e.recomputed <> e.hash OR e.prev_hash <> coalesce(e.expected_prev, repeat('0', 64))
    OR e.seq <> coalesce(e.prev_seq, 0) + 1
UNION ALL
SELECT c.case_ref, c.event_seq, 'case head does not match its last event'
  FROM enforcement_cases c
  LEFT JOIN enforcement_events e ON e.case_id = c.id AND e.seq = c.event_seq
 WHERE c.event_seq > 0 AND (e.hash IS NULL OR e.hash <> c.last_event_hash)
 LIMIT 50
""")


def check_hash_chain(s: Services, *, full: bool = False) -> CheckResult:
    """Incremental (issue 12): each case's events after its checkpointed head, plus the whole
    chains of the cases re-read longest ago (a rotation); `full` re-reads every chain. CHAIN_SQL
    above is the same check over every event at once, without checkpoints."""
    with s.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        rows = conn.execute(text("SELECT * FROM verify_event_chains(:full)"), {"full": full}).all()
        conn.commit()
    return CheckResult(
        "event hash chain" + (" (every event)" if full else " (since the checkpoints)"),
        not rows,
        [f"{r.case_ref} event {r.seq}: {r.problem}" for r in rows],
    )


# The stored read model (sql/0070_read_model.sql) against its recomputation from the base tables.
READ_MODEL_SQL = """
SELECT c.case_ref, CASE WHEN m.case_id IS NULL THEN 'no stored read model row'
                        ELSE 'stored read model differs from its recomputation' END AS problem
  FROM v_case_read_model_computed v
  JOIN enforcement_cases c ON c.id = v.case_id
  LEFT JOIN case_read_model m ON m.case_id = v.case_id
 WHERE {sample}
   AND (m.case_id IS NULL
        OR (m.judgment_id, m.owner_slack_id, m.is_open, m.tier, m.stage, m.stage_entered_at, m.unpaid_principal,
            m.unpaid_costs, m.interest_carry, m.accrual_date, m.recovered, m.open_blockers, m.breach_at, m.stale_after)
           IS DISTINCT FROM
           (v.judgment_id, v.owner_slack_id, v.is_open, v.tier, v.stage, v.stage_entered_at, v.unpaid_principal,
            v.unpaid_costs, v.interest_carry, v.accrual_date, v.recovered, v.open_blockers, v.breach_at, v.stale_after)
        OR rm_interest(m, (SELECT firm_today())) <> rm_interest_slow(v.judgment_id, v.interest_carry,
                                                      v.unpaid_principal, v.accrual_date, (SELECT firm_today())))
 ORDER BY c.case_number LIMIT 50
"""
# The sample's ids first, so the recomputation runs for those cases only (index probes).
SAMPLE = "v.case_id = ANY (CAST(:ids AS bigint[]))"
TOTALS_SQL = text("""
WITH stored AS (
    SELECT tier, sum(cases) AS cases, sum(principal) AS principal, sum(costs) AS costs, sum(recovered) AS recovered,
           sum(n0) AS n0, sum(n1) AS n1 FROM case_totals GROUP BY tier HAVING sum(cases) <> 0),
recomputed AS (
    SELECT m.tier, count(*)::numeric AS cases, sum(m.unpaid_principal) AS principal, sum(m.unpaid_costs) AS costs,
           sum(m.recovered) AS recovered, sum(rm_n0(m)) AS n0, sum(m.unpaid_principal * m.acc_rate) AS n1
      FROM case_read_model m WHERE m.is_open GROUP BY m.tier)
SELECT coalesce(s.tier, r.tier) AS tier FROM stored s FULL JOIN recomputed r ON r.tier = s.tier
 WHERE (s.cases, s.principal, s.costs, s.recovered, s.n0, s.n1)
       IS DISTINCT FROM (r.cases, r.principal, r.costs, r.recovered, r.n0, r.n1)
""")
READ_MODEL_SAMPLE = 1000


def check_read_model(s: Services, *, full: bool = False) -> CheckResult:
    """A sample of about 1,000 cases (all with `full`): stored read model = recomputation; and
    the totals by tier = the sums of the stored rows."""
    with s.engine.connect() as conn:
        if full:
            rows = conn.execute(text(READ_MODEL_SQL.format(sample="true"))).all()
        else:
            n = conn.execute(text("SELECT greatest(reltuples, 1) FROM pg_class WHERE relname = 'enforcement_cases'"))
            pct = min(100.0, 100.0 * READ_MODEL_SAMPLE / float(n.scalar_one()))
            ids = conn.execute(
                text("SELECT coalesce(array_agg(id), '{}') FROM enforcement_cases TABLESAMPLE BERNOULLI (:pct)"),
                {"pct": pct},
            ).scalar_one()
            rows = conn.execute(text(READ_MODEL_SQL.format(sample=SAMPLE)), {"ids": list(ids)}).all()
        tiers = conn.execute(TOTALS_SQL).scalars().all()
    details = [f"{r.case_ref}: {r.problem} (fix: SELECT refresh_all_case_read_models())" for r in rows]
    details += [f"Tier {t}: totals differ from the stored rows (fix: SELECT rebuild_case_totals())" for t in tiers]
    return CheckResult("read model = recomputation" + (" (every case)" if full else " (sample)"), not details, details)


# The digest's blocker, deadline and warning lines (sql/0137_digest_sources.sql, sql/0151) against
# the base tables: rows stored and not recomputed, and recomputed and not stored (one full pass;
# ~500,000 rows on the 1M demo book).
DIGEST_SOURCES_SQL = text("""
SELECT kind, src_id, 'stored, not in the base tables' AS problem
  FROM (SELECT * FROM digest_sources EXCEPT SELECT * FROM v_digest_sources_computed) x
UNION ALL
SELECT kind, src_id, 'missing or different'
  FROM (SELECT * FROM v_digest_sources_computed EXCEPT SELECT * FROM digest_sources) y
 ORDER BY 1, 2 LIMIT 50
""")


def check_digest_sources(s: Services) -> CheckResult:
    """The digest's line sources equal their recomputation."""
    with s.engine.connect() as conn:
        rows = conn.execute(DIGEST_SOURCES_SQL).all()
    details = [f"{r.kind} {r.src_id}: {r.problem} (fix: SELECT rebuild_digest_sources())" for r in rows]
    return CheckResult("digest sources = recomputation", not details, details)


def check_actions_have_documents(s: Services) -> CheckResult:
    with s.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT case_ref, event_id, workflow, step FROM v_events_missing_document ORDER BY event_id LIMIT 50")
        ).all()
    return CheckResult(
        "workflow steps have their documents",
        not rows,
        [f"{r.case_ref}: {r.workflow} -> {r.step} (event {r.event_id}) has no document" for r in rows],
    )


def check_next_actions(s: Services) -> CheckResult:
    with s.engine.connect() as conn:
        rows = (
            conn.execute(
                text(
                    "SELECT case_ref FROM enforcement_cases WHERE status = 'open' AND next_action_at IS NULL"
                    " ORDER BY case_number LIMIT 50"
                )
            )
            .scalars()
            .all()
        )
    return CheckResult(
        "open cases have a next action",
        not rows,
        [f"{r}: no next action (set one: /enforce next {r} YYYY-MM-DD)" for r in rows],
    )


# CPLR 211(b), docs/domain.md "Twenty years": open cases whose judgment is presumed paid.
# The policy and the firm's day are read once, the rule applied per case (sql/0153).
PRESUMED_PAID_SQL = text("""
SELECT c.case_ref, j.entered_on, presumed_paid_after(j.entered_on, j.renewed_on, k.years) AS since
  FROM enforcement_cases c JOIN judgments j ON j.id = c.judgment_id
 CROSS JOIN (SELECT policy_int('presumed_paid_years') AS years, firm_today() AS today OFFSET 0) k
 WHERE c.status = 'open' AND presumed_paid_after(j.entered_on, j.renewed_on, k.years) <= k.today
 ORDER BY c.case_number LIMIT 50
""")


def check_twenty_years(s: Services) -> CheckResult:
    with s.engine.connect() as conn:
        rows = conn.execute(PRESUMED_PAID_SQL).all()
    return CheckResult(
        "no open judgment presumed paid (twenty years, CPLR 211(b))",
        not rows,
        [
            f"{r.case_ref}: entered {r.entered_on}, presumed paid since {r.since}; close it, or an admin records"
            f" the payment or acknowledgment that renews it (dragonfly case renew {r.case_ref} ...)"
            for r in rows
        ],
    )


# CPLR 5222-a, docs/domain.md "Exemptions": open restraints and levies on a natural person that do not
# say whom they are on (recorded before the garnishee kind existed) or are on a bank without the
# exemption notice and claim forms, and no exemption_forms document is on the case at all.
EXEMPTION_FORMS_SQL = text("""
SELECT c.case_ref, a.id, a.kind::text AS kind, a.state, a.recipient, a.garnishee_kind::text AS garnishee_kind
  FROM enforcement_actions a
  JOIN enforcement_cases c ON c.id = a.case_id
  JOIN judgments j ON j.id = c.judgment_id
 WHERE a.is_open AND j.debtor_is_person AND a.exemption_document_id IS NULL
   AND (a.kind = 'restraining_notice' OR (a.kind = 'levy' AND a.state NOT IN ('issued', 'delivered_to_officer')))
   AND (a.garnishee_kind IS NULL OR a.garnishee_kind = 'bank')
   AND NOT EXISTS (SELECT 1 FROM enforcement_documents d WHERE d.case_id = c.id AND d.kind = 'exemption_forms')
 ORDER BY c.case_number, a.id LIMIT 50
""")


def check_exemption_forms(s: Services) -> CheckResult:
    with s.engine.connect() as conn:
        rows = conn.execute(EXEMPTION_FORMS_SQL).all()
    return CheckResult(
        "restraints on a person's bank account have exemption forms (CPLR 5222-a)",
        not rows,
        [
            f"{r.case_ref}: {r.kind} #{r.id} ({r.state}, {r.recipient or 'no recipient'}) is on "
            f"{r.garnishee_kind or 'an unrecorded garnishee'} with no exemption forms on the case; if it is a"
            " bank account it is void: serve a new one with the forms"
            for r in rows
        ],
    )


def check_minimum_wages(s: Services) -> CheckResult:
    """From the indexed year on, each region needs its year's minimum wage (docs/domain.md "Exemptions")."""
    with s.engine.connect() as conn:
        rows = conn.execute(text("SELECT region, year FROM missing_minimum_wage_years(firm_today())")).all()
    return CheckResult(
        "minimum wages recorded for every year (CPLR 5222(i), 5231(b))",
        not rows,
        [
            f"{r.region} {r.year}: no minimum wage (record it: dragonfly policy minimum-wage {r.region}"
            f" {r.year}-01-01 <hourly> --why <source>)"
            for r in rows
        ],
    )


def check_payment_allocation(s: Services, *, full: bool = False) -> CheckResult:
    """Stored payment parts equal the ledger replayed by the law (docs/domain.md "Payments").

    Incremental (sql/0154): the paid cases whose head or the rules moved since their checkpoint,
    plus a rotation of those replayed longest ago; `full` replays every paid case."""
    with s.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        rows = conn.execute(text("SELECT case_ref, payments FROM verify_allocations(:full)"), {"full": full}).all()
        conn.commit()
    return CheckResult(
        "payments allocated by the law (CPLR 5004, L.2021 c.831; reversals re-allocate)"
        + (" (every paid case)" if full else " (since the checkpoints)"),
        not rows,
        [
            f"{r.case_ref}: {r.payments} payment(s) allocated differently from the law (recorded before the"
            f' rule); an admin re-allocates: dragonfly case reallocate {r.case_ref} "why"'
            for r in rows
        ],
    )


def check_orphans(s: Services) -> CheckResult:
    from dragonfly.orphans import doctor_grace, find_orphans
    from storage.base import StorageError

    try:
        report = find_orphans(s, older_than=doctor_grace(s))
    except StorageError as exc:
        return CheckResult(
            "stored documents match their rows", False, [f"could not check the document store: {exc.message}"]
        )
    return CheckResult("stored documents match their rows", report.ok, report.lines())


def check_queues(s: Services) -> CheckResult:
    """Deliveries and ingestions that failed for good or that no worker has taken for long."""
    from dragonfly.queue import list_rows

    rows = list_rows(s.engine, state="open", stuck_seconds=s.settings.queue_stuck_seconds, limit=50)
    lines = [r.line() for r in rows]
    if rows:
        lines.append("see: dragonfly queue list; then dragonfly queue retry ID, or discard ID --reason ...")
    return CheckResult("no failed or stuck queue rows (outbox, ingestion)", not rows, lines)


CHECKS: list[Callable[[Services], CheckResult]] = [
    check_migrations,
    check_actions_have_documents,
    check_next_actions,
    check_twenty_years,
    check_exemption_forms,
    check_minimum_wages,
    check_orphans,
    check_queues,
]


def run_checks(s: Services, *, full: bool = False) -> list[CheckResult]:
    """Every check; `full` re-reads every event's hash, every case's read model and every paid
    case's ledger."""
    return [
        *(check(s) for check in CHECKS[:1]),
        check_hash_chain(s, full=full),
        check_read_model(s, full=full),
        check_digest_sources(s),
        check_payment_allocation(s, full=full),
        *(check(s) for check in CHECKS[1:]),
    ]
