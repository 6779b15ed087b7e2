"""Bulk corrections (`dragonfly import corrections FILE`, issue 16): owner reassignments, next
actions, stage moves, tier overrides and corrections of judgment facts, one change per row, each
through its sanctioned function (assign_case_owner, set_next_action, set_enforcement_stage,
set_tier_override, correct_judgment_fact), so the rules and the events are the ones Slack gets; a
judgment fact's correction is a judgment_corrected event with the values before and after. A
change the case already has is "already present" (a re-import records nothing); a change a rule
refuses is a bad row. Same contract as the other imports (dragonfly/import_rowwise.py).
SQL: sql/0082_import_corrections.sql, sql/0084_judgment_corrections.sql.
"""

from __future__ import annotations

from functools import partial

from dragonfly.import_rowwise import RowwiseImport, run_import

CORRECTIONS_LAYOUT = """\
Corrections file layout (CSV, UTF-8 with or without BOM; or .xlsx, first sheet): one change per
row. Header names are case-insensitive, in any order; extra columns are ignored.

    column    required  format
    case_ref  yes       DF-1042
    change    yes       owner | next_action | stage | tier | principal | entered_on |
                        index_number | debtor_type
    value     yes       owner: a Slack user id (U0123ABCD); next_action: YYYY-MM-DD (09:00 firm
                        time, in the future); stage: intake | discovery | execution | recovery |
                        closed; tier: 0 | 1 | 2 | 3 (an override); principal: 12,345.67;
                        entered_on: YYYY-MM-DD; index_number: 54925/19; debtor_type: person |
                        business
    reason    see note  next_action: what is to be done; stage: a note, or to close: satisfied |
                        settled | uncollectible | vacated | bankruptcy_discharge; tier and
                        judgment facts: why
    until     tier      YYYY-MM-DD, when the override ends (at most 90 days ahead)

Note: reason is required for every change but owner. Changes apply in file order; one case may
have one change of each kind per file. Stage moves follow the allowed moves; reopening a closed
case needs an admin. Principal, entry date and debtor type decide how payments were split, so
they are corrected only on a case without payments (reverse them, correct, record them again).
"""

CORRECTION_COLUMNS = ("case_ref", "change", "value", "reason", "until")
SPEC = RowwiseImport(
    kind="corrections",
    columns=CORRECTION_COLUMNS,
    required=("case_ref", "change", "value"),
    staging="df_import_corrections",
    checked="df_import_corrections_checked",
    check_function="import_check_corrections",
    apply_function="import_corrections_apply",
)


# url, path, actor; dry_run, partial, source, progress (dragonfly/import_rowwise.py run_import)
import_corrections = partial(run_import, SPEC)
"""Validate a corrections file and apply its changes through the sanctioned functions."""
