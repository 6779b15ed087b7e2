"""Every action, view, block and callback id the bot uses, in one place."""

COMMAND = "/enforce"

# Views (callback ids)
VIEW_STAGE = "df_view_stage"
VIEW_BLOCK = "df_view_block"
VIEW_OVERRIDE = "df_view_override"
VIEW_ASSIGN = "df_view_assign"
VIEW_NOTE = "df_view_note"
VIEW_NEXT = "df_view_next"
VIEW_PAY = "df_view_pay"
VIEW_WORKFLOW = "df_view_workflow"
VIEW_ADVANCE = "df_view_advance"
VIEW_CASE = "df_view_case"
HOME = "df_home"

# Blocks (input block ids) and their element action ids (one element per block, same id)
B_CASE = "df_case"
B_STAGE = "df_stage"
B_NOTE = "df_note"
B_REASON = "df_reason"
B_KIND = "df_kind"
B_DATE = "df_date"
B_TIER = "df_tier"
B_USER = "df_user"
B_AMOUNT = "df_amount"
B_FILE = "df_file"
B_RECIPIENT = "df_recipient"
B_ACTION = "df_action"
B_STATE = "df_state"
B_DOCKET = "df_docket"
B_WHAT = "df_what"
B_DOC_KIND = "df_doc_kind"
B_GARNISHEE = "df_garnishee"
B_EXEMPTION_FILE = "df_exemption_file"

# The case picker (external_select; options loaded from the database)
CASE_PICKER = B_CASE

# Buttons on the case card (value = case ref)
A_OPEN_STAGE = "df_open_stage"
A_OPEN_BLOCK = "df_open_block"
A_UNBLOCK = "df_unblock"
A_OPEN_NOTE = "df_open_note"
A_OPEN_NEXT = "df_open_next"
A_OPEN_PAY = "df_open_pay"
A_REFRESH_HOME = "df_refresh_home"
A_SHOW_FULL = "df_show_full"  # the case card's "Show full texts" (value = case ref)
A_MINE_PAGE = "df_mine_page"  # `/enforce mine` paging: "df_mine_page:next|previous" (value "<filter>:<page>")
A_MINE_FILTER = "df_mine_filter"  # `/enforce mine` filters: "df_mine_filter:<filter>" (value "<filter>:1")
VIEW_FULL = "df_view_full"
# The text block of a "waiting for the document" message (the local console answers it with --file)
B_WAITING = "df_waiting"
# "Draft <paper>" buttons on "waiting for the document" messages (action id = prefix:paper)
A_DRAFT_PAPER = "df_draft_paper"

# The "Open" button on scheduler digests, stale alerts and `/enforce mine` (value = case ref).
# Each button's action id is "open_case:DF-n" so ids stay unique within a message (Block Kit);
# the listener matches the prefix (and the bare "open_case" of messages sent before). The
# scheduler (scheduler/jobs/base.py) builds it too, so the string has no df_ prefix.
A_OPEN_CASE = "open_case"
