"""Bulk payments: marshal and bank remittance reports and lockbox files (issue 16).

Same contract as the judgment import (dragonfly/importer.py): every bad row is reported with line,
column and reason; nothing is recorded unless `partial`; `dry_run` records every payment in a
transaction that is then rolled back (so even a refusal only the recording can find, like a
payment larger than the balance, is reported) and changes nothing. Each payment goes through
record_enforcement_payment (interest first, then principal, then costs; one payment_recorded
event), keyed on the payer's reference, so a re-import records nothing twice.
All-or-nothing: without `partial` every payment is recorded in ONE transaction; the first refusal
rolls it back and every refused row is reported (dragonfly/import_rowwise.py).
SQL: sql/0081_import_payments.sql (apply: sql/0141_import_payments_refresh_once.sql).
"""

from __future__ import annotations

from functools import partial

from dragonfly.import_rowwise import RowwiseImport, run_import

PAYMENTS_LAYOUT = """\
Payments file layout (CSV, UTF-8 with or without BOM; or .xlsx, first sheet). The first line is
the header; names are case-insensitive, in any order; extra columns are ignored.

    column        required  format
    case_ref      see note  DF-1042 (or 1042)
    court         see note  the judgment's court, as imported
    index_number  see note  the judgment's index number, e.g. 54925/19
    received_on   yes       YYYY-MM-DD, the date the money was received; not in the future and
                            not before the case's last recorded payment
    gross         yes       more than zero, at most two decimals: 1250.00, 1,250.00, $1,250.00
    poundage      no        the marshal's or sheriff's poundage, zero or more (empty = 0)
    fees          no        fees withheld, zero or more (empty = 0)
    kind          yes       direct | settlement | plan_installment | garnishment_remittance |
                            levy_proceeds | turnover | sale | adjustment (reversals: in Slack)
    payer_ref     yes       the payer's own reference (check or remittance number); the key
                            that makes a re-import harmless

Note: give case_ref, or court and index_number (or all three: they must name the same case).
Payments are applied in order of received_on, each interest first, then principal, then costs.
"""

PAYMENT_COLUMNS = (
    "case_ref",
    "court",
    "index_number",
    "received_on",
    "gross",
    "poundage",
    "fees",
    "kind",
    "payer_ref",
)
PAYMENT_REQUIRED = ("received_on", "gross", "kind", "payer_ref")
SPEC = RowwiseImport(
    kind="payments",
    columns=PAYMENT_COLUMNS,
    required=PAYMENT_REQUIRED,
    staging="df_import_payments",
    checked="df_import_payments_checked",
    check_function="import_check_payments",
    apply_function="import_payments_apply",
    check_takes_as_of=True,
    refresh_once=True,
)


# url, path, actor; dry_run, partial, source, as_of, progress (dragonfly/import_rowwise.py run_import)
import_payments = partial(run_import, SPEC)
"""Validate a payments file and record its payments (idempotent on the payer's reference)."""
