"""Reads for calibration sessions, one module per job.

`visibility` holds the one function that decides which ratings a viewer may see
(`visible_scores`) and the one policy that decides how people are named to them
(`ViewerPolicy`); every page, websocket frame, export and report goes through both.
`snapshot` builds one viewer's live page, `summary` the summary and ratings table,
`statistics` the session's agreement figures, `lists` the lists, lookups and the join rule.
"""

from .lists import (
    JOIN_LINK_INVALID,
    JoinPreview,
    join_preview,
    join_preview_for,
    session_criteria,
    session_for_member,
    session_items,
    session_transitions,
    sessions_for_team,
    templates_for_team,
)
from .snapshot import PRESENCE_TIMEOUT, session_snapshot
from .statistics import live_agreement, rating_code, session_ratings_frame, session_report
from .summary import RATINGS_TABLE_COLUMNS, ratings_table, session_summary
from .visibility import (
    ViewerContext,
    ViewerPolicy,
    display_name,
    participant_for,
    participant_query,
    viewer_context,
    visible_scores,
)

__all__ = [
    "JOIN_LINK_INVALID",
    "PRESENCE_TIMEOUT",
    "RATINGS_TABLE_COLUMNS",
    "JoinPreview",
    "ViewerContext",
    "ViewerPolicy",
    "display_name",
    "join_preview",
    "join_preview_for",
    "live_agreement",
    "participant_for",
    "participant_query",
    "rating_code",
    "ratings_table",
    "session_criteria",
    "session_for_member",
    "session_items",
    "session_ratings_frame",
    "session_report",
    "session_snapshot",
    "session_summary",
    "session_transitions",
    "sessions_for_team",
    "templates_for_team",
    "viewer_context",
    "visible_scores",
]
