"""Writes for calibration sessions, one module per job.

Every state change happens in a transaction and ends by scheduling a small "look again" event
for after the commit. Events never carry rating values: each consumer re-reads what its own
viewer may see through `sessions.selectors`.

Callers import this package (`from sessions import services`); the modules behind it:
`creating` (new sessions and sampling), `lifecycle` (joining and the state machine), `scoring`
(blind ratings, submissions, revisions), `discussion` (consensus, flags, time boxes, action
items, nudges), `presence` (live connections), `templates` (recurring sessions), `summaries`
(the reports' precomputed tables).
"""

from .common import (
    MAX_COMMENT_LENGTH,
    MAX_INTERACTIONS,
    SessionError,
    SessionNotFound,
    SessionPermissionError,
    group_name_for,
)
from .creating import (
    HelpdeskFetch,
    HelpdeskSample,
    PastedInteraction,
    SampleRequest,
    SessionOptions,
    interactions_sample,
    session_create,
    session_create_from_sources,
)
from .discussion import (
    action_item_add,
    action_item_remove,
    consensus_accept_unanimous,
    consensus_save,
    discussion_flag_set,
    discussion_timebox_start,
    discussion_timebox_stop,
    participant_nudge,
)
from .importing import session_import_closed
from .lifecycle import session_close, session_join, session_reveal, session_start
from .presence import connection_close, connection_open, connection_touch
from .scoring import SaveResult, revision_create, score_save, submission_create
from .summaries import session_summaries_write
from .templates import session_create_from_template, session_template_create

__all__ = [
    "MAX_COMMENT_LENGTH",
    "MAX_INTERACTIONS",
    "HelpdeskFetch",
    "HelpdeskSample",
    "PastedInteraction",
    "SampleRequest",
    "SaveResult",
    "SessionError",
    "SessionNotFound",
    "SessionOptions",
    "SessionPermissionError",
    "action_item_add",
    "action_item_remove",
    "connection_close",
    "connection_open",
    "connection_touch",
    "consensus_accept_unanimous",
    "consensus_save",
    "discussion_flag_set",
    "discussion_timebox_start",
    "discussion_timebox_stop",
    "group_name_for",
    "interactions_sample",
    "participant_nudge",
    "revision_create",
    "score_save",
    "session_close",
    "session_create",
    "session_create_from_sources",
    "session_create_from_template",
    "session_import_closed",
    "session_join",
    "session_reveal",
    "session_start",
    "session_summaries_write",
    "session_template_create",
    "submission_create",
]
