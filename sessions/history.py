"""Past calibration sessions from a spreadsheet (the format: docs/import-history.md).

The file is long: one row per rating, with the columns session, date, scorecard, interaction,
channel, criterion, reviewer, score and comment. Each distinct `session` becomes one closed
CalibrationSession with source "import", so it shows in the session list and every report
works on it like on a live one.

The import is all or nothing. Every row is checked first (values, then the file's own
consistency, then against the database) and ImportFailed lists every bad row; only a clean
file is planned into a `ClosedImportPlan` and written by `services.session_import_closed`, in
the same transaction, with bulk inserts so the number of queries does not grow with the number
of rows (beyond the inserts' own batches). New scales are inferred by `scorecards.inference`.
Importing the same file again changes nothing: a session with the same name and date that came
from an import is left alone when its ratings are identical, and is an error when they differ.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from agreement.display import format_count
from datafiles import ImportFailed, RowError, read_csv_rows
from interactions.models import Interaction
from interactions.services import InteractionError, channel_from_text
from scorecards.inference import infer_scale
from scorecards.scales import ScaleError
from scorecards.selectors import current_versions_with_criteria
from teams.models import Team
from teams.services import TeamError, team_create

from .models import (
    CalibrationSession,
    Participant,
    ParticipantRole,
    Score,
    SessionInteraction,
    SessionSource,
)
from .services import MAX_COMMENT_LENGTH, session_import_closed
from .services.importing import (
    ClosedImportPlan,
    ClosedSessionPlan,
    NewCriterion,
    PlannedRating,
)

User = get_user_model()

COLUMNS = [
    "session",
    "date",
    "scorecard",
    "interaction",
    "channel",
    "criterion",
    "reviewer",
    "score",
    "comment",
]
# `channel` is needed only for interactions the team does not have yet, `comment` never.
REQUIRED_COLUMNS = ["session", "date", "scorecard", "interaction", "criterion", "reviewer", "score"]
NOT_APPLICABLE = "n/a"
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, and the day-first form of most spreadsheets
CREATE_MISSING_HINT = (
    "create it first, or tick “Create missing scorecards and criteria” "
    "(on the command line: --create-missing)"
)
MAX_SESSION_TITLE = CalibrationSession._meta.get_field("title").max_length
MAX_SCORECARD_NAME = 200
MAX_CRITERION_NAME = 200
MAX_EXTERNAL_ID = Interaction._meta.get_field("external_id").max_length
MAX_USERNAME = User._meta.get_field(User.USERNAME_FIELD).max_length
_CHUNK = 500  # values per IN (...) query: well under every database's parameter limit
_username_validator = UnicodeUsernameValidator()


@dataclass
class HistoryImportResult:
    team_name: str = ""
    sessions_created: int = 0
    sessions_unchanged: int = 0
    ratings: int = 0  # ratings written (empty scores are not ratings)
    inferred_scales: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = []
        if self.sessions_created:
            parts.append(
                f"Imported {format_count(self.sessions_created, 'session')} with "
                f"{format_count(self.ratings, 'rating')}."
            )
        if self.sessions_unchanged:
            already = (
                "was already imported and is"
                if self.sessions_unchanged == 1
                else "were already imported and are"
            )
            parts.append(f"{format_count(self.sessions_unchanged, 'session')} {already} unchanged.")
        if not self.sessions_created:
            parts.insert(0, "Nothing new to import.")
        if self.created:
            parts.append("Created: " + "; ".join(self.created) + ".")
        return " ".join(parts)


# --- the one entry point ---------------------------------------------------------------------


def import_history(
    *,
    data: bytes,
    team_name: str | None,
    create_missing: bool,
    actor=None,
    team: Team | None = None,
) -> HistoryImportResult:
    """Imports past sessions from CSV bytes (read them with datafiles.read_bytes).

    `team` (the upload page's current team) wins over `team_name` (the command's --team).
    Raises ImportFailed listing every problem; then nothing has been written.
    """
    rows = read_csv_rows(data, required=REQUIRED_COLUMNS)
    with transaction.atomic():
        if team is None:
            team = _team(team_name, create_missing)
        if team is not None:
            # One import per team at a time: a second one waits, then finds these sessions.
            Team.objects.select_for_update().filter(pk=team.pk).first()
        parsed, errors = _parse_rows(rows)
        parsed = _check_consistency(parsed, errors)
        known = _Known.load(team, parsed)
        name = team.name if team else str(team_name).strip()
        plan = _Plan(
            team=team,
            team_name=name,
            known=known,
            users=known.users,
            interactions=known.interactions,
        )
        _plan_scorecards(plan, parsed, known, create_missing, errors)
        _plan_people_and_interactions(plan, parsed, known, errors)
        _plan_sessions(plan, parsed, known, errors)
        if errors:
            raise ImportFailed(sorted(errors, key=lambda e: (e.row or 0, e.column or "")))
        result = HistoryImportResult(
            team_name=plan.team_name,
            sessions_unchanged=plan.unchanged,
            inferred_scales=list(plan.inferred),
        )
        if team is None:
            try:
                team = team_create(name=plan.team_name)
            except TeamError as error:
                raise ImportFailed(str(error)) from None
            result.team_name = team.name
            result.created.append(f"team “{team.name}”")
        written = session_import_closed(team=team, plan=plan, actor=actor)
        result.sessions_created = len(written.sessions)
        result.ratings = written.ratings
        result.created.extend(written.created)
        return result


# --- which team ------------------------------------------------------------------------------


def _team(name: str | None, create_missing: bool) -> Team | None:
    """The named team, the only team, or None when it is to be created (--create-missing)."""
    if name and name.strip():
        team = Team.objects.filter(name__iexact=name.strip()).first()
        if team is None and not create_missing:
            raise ImportFailed(
                f"No team is called “{name.strip()}” (teams: {_team_names()}). Check the name, "
                "or import with --create-missing to create the team."
            )
        return team
    teams = list(Team.objects.order_by("name")[:2])
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise ImportFailed(
            "There is no team yet: name one with --team NAME and add --create-missing to create it."
        )
    raise ImportFailed(f"There are several teams: choose one with --team NAME ({_team_names()}).")


def _team_names() -> str:
    names = list(Team.objects.order_by("name").values_list("name", flat=True)[:20])
    return ", ".join(f"“{name}”" for name in names) or "none yet"


# --- reading rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    line: int
    session: str
    held_on: date
    scorecard: str
    interaction: str
    channel: str  # "" when not given
    criterion: str
    reviewer: str
    score: str  # "" when not rated
    is_na: bool
    comment: str

    @property
    def scorecard_key(self) -> str:
        return self.scorecard.casefold()

    @property
    def criterion_key(self) -> tuple[str, str]:
        return (self.scorecard.casefold(), self.criterion.casefold())

    @property
    def reviewer_key(self) -> str:
        return self.reviewer.casefold()

    @property
    def is_rated(self) -> bool:
        return self.is_na or bool(self.score)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def parse_date(text: str) -> date:
    """2024-03-07 or 07/03/2024 (day first); ValueError with a readable message otherwise."""
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        f"cannot read {text!r} as a date: write it as YYYY-MM-DD (2024-03-07) "
        "or DD/MM/YYYY (07/03/2024)"
    )


def _parse_rows(rows: list[tuple[int, dict[str, str]]]) -> tuple[list[_Row], list[RowError]]:
    parsed, errors = [], []
    today = timezone.localdate()
    for line, cells in rows:
        row, row_errors = _parse_row(line, cells, today)
        if row_errors:
            errors.extend(row_errors)
        else:
            parsed.append(row)
    return parsed, errors


def _parse_row(line: int, cells: dict[str, str], today: date) -> tuple[_Row | None, list]:
    errors: list[RowError] = []

    def required(column: str, limit: int | None = None) -> str:
        value = _collapse(cells.get(column, ""))
        if not value:
            errors.append(RowError(line, column, "this value is required"))
        elif limit is not None and len(value) > limit:
            errors.append(
                RowError(line, column, f"too long ({len(value)} characters; at most {limit})")
            )
        return value

    session = required("session", MAX_SESSION_TITLE)
    date_text = required("date")
    scorecard = required("scorecard", MAX_SCORECARD_NAME)
    interaction = required("interaction", MAX_EXTERNAL_ID)
    criterion = required("criterion", MAX_CRITERION_NAME)
    reviewer = required("reviewer", MAX_USERNAME)
    if reviewer and len(reviewer) <= MAX_USERNAME:
        try:
            _username_validator(reviewer)
        except ValidationError:
            errors.append(
                RowError(
                    line,
                    "reviewer",
                    f"{reviewer!r} is not a username (letters, digits and @ . + - _ only)",
                )
            )
    held_on = None
    if date_text:
        try:
            held_on = parse_date(date_text)
        except ValueError as error:
            errors.append(RowError(line, "date", str(error)))
        else:
            if held_on > today:
                errors.append(RowError(line, "date", f"{held_on:%Y-%m-%d} is in the future"))
    channel = ""
    if cells.get("channel"):
        try:
            channel = channel_from_text(cells["channel"])
        except InteractionError as error:
            errors.append(RowError(line, "channel", error.message))
    score = cells.get("score", "")
    is_na = score.casefold() == NOT_APPLICABLE
    comment = cells.get("comment", "")
    if len(comment) > MAX_COMMENT_LENGTH:
        errors.append(
            RowError(line, "comment", f"too long (at most {MAX_COMMENT_LENGTH} characters)")
        )
    if comment and not score:
        errors.append(
            RowError(
                line,
                "score",
                "this row has a comment but no score: give the score, or N/A if the "
                "criterion did not apply",
            )
        )
    if errors:
        return None, errors
    row = _Row(
        line=line,
        session=session,
        held_on=held_on,
        scorecard=scorecard,
        interaction=interaction,
        channel=channel,
        criterion=criterion,
        reviewer=reviewer,
        score="" if is_na else score,
        is_na=is_na,
        comment=comment,
    )
    return row, []


def _check_consistency(rows: list[_Row], errors: list[RowError]) -> list[_Row]:
    """One date and scorecard per session, one channel per interaction, one row per rating."""
    first_of_session: dict[str, _Row] = {}
    first_channel: dict[str, _Row] = {}
    seen: dict[tuple, int] = {}
    good = []
    for row in rows:
        problems = []
        first = first_of_session.setdefault(row.session, row)
        if row.held_on != first.held_on:
            problems.append(
                RowError(
                    row.line,
                    "date",
                    f"session “{row.session}” is dated {first.held_on:%Y-%m-%d} on row "
                    f"{first.line}: a session has one date (give sessions held on different "
                    "days different names)",
                )
            )
        if row.scorecard_key != first.scorecard_key:
            problems.append(
                RowError(
                    row.line,
                    "scorecard",
                    f"session “{row.session}” uses scorecard “{first.scorecard}” on row "
                    f"{first.line}: a session has one scorecard",
                )
            )
        if row.channel:
            earlier = first_channel.setdefault(row.interaction, row)
            if earlier.channel != row.channel:
                problems.append(
                    RowError(
                        row.line,
                        "channel",
                        f"interaction {row.interaction!r} is {earlier.channel} on row "
                        f"{earlier.line}: one interaction has one channel",
                    )
                )
        key = (row.session, row.interaction, row.criterion.casefold(), row.reviewer_key)
        if key in seen:
            problems.append(
                RowError(
                    row.line,
                    None,
                    f"duplicate rating: row {seen[key]} already rates “{row.criterion}” of "
                    f"interaction {row.interaction!r} by {row.reviewer} in session "
                    f"“{row.session}”",
                )
            )
        else:
            seen[key] = row.line
        if problems:
            errors.extend(problems)
        else:
            good.append(row)
    return good


# --- what the database already has -----------------------------------------------------------


@dataclass
class _Known:
    scorecards: dict[str, object] = field(default_factory=dict)  # name casefold -> Scorecard
    criteria: dict[tuple[str, str], object] = field(default_factory=dict)  # current version
    interactions: dict[str, Interaction] = field(default_factory=dict)  # external id
    users: dict[str, object] = field(default_factory=dict)  # username casefold -> User
    sessions: dict[tuple[str, date], CalibrationSession] = field(default_factory=dict)

    @classmethod
    def load(cls, team: Team | None, rows: list[_Row]) -> _Known:
        known = cls()
        wanted_users = sorted({row.reviewer_key for row in rows})
        for chunk in _chunks(wanted_users):
            for user in User.objects.annotate(folded=Lower(User.USERNAME_FIELD)).filter(
                folded__in=chunk
            ):
                known.users.setdefault(user.get_username().casefold(), user)
        if team is None:
            return known
        for scorecard, criteria in current_versions_with_criteria(team=team):
            key = scorecard.name.casefold()
            known.scorecards[key] = scorecard
            for criterion in criteria:
                known.criteria.setdefault((key, criterion.name.casefold()), criterion)
        for chunk in _chunks(sorted({row.interaction for row in rows})):
            for interaction in Interaction.objects.filter(team=team, external_id__in=chunk):
                known.interactions[interaction.external_id] = interaction
        for chunk in _chunks(sorted({row.session for row in rows})):
            for session in CalibrationSession.objects.filter(
                team=team, source=SessionSource.IMPORT, title__in=chunk
            ).order_by("id"):
                known.sessions.setdefault((session.title, session.held_on_date), session)
        return known


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# --- planning: everything decided before anything is written ---------------------------------


@dataclass
class _Plan(ClosedImportPlan):
    """The service's plan plus what planning keeps for the report and the re-import check."""

    team: Team | None = None
    team_name: str = ""
    inferred: list[str] = field(default_factory=list)
    codes: dict[int, int | None] = field(default_factory=dict)  # line -> code
    unchanged: int = 0
    known: _Known | None = None


def _rows_text(lines: list[int]) -> str:
    """ "row 4", "rows 2–5, 9": consecutive rows as ranges."""
    lines = sorted(set(lines))
    if len(lines) == 1:
        return f"row {lines[0]}"
    ranges, start, previous = [], lines[0], lines[0]
    for line in [*lines[1:], None]:
        if line is not None and line == previous + 1:
            previous = line
            continue
        ranges.append(f"{start}–{previous}" if previous > start else str(start))
        if line is not None:
            start = previous = line
    return "rows " + ", ".join(ranges)


def _plan_scorecards(
    plan: _Plan, rows: list[_Row], known: _Known, create_missing: bool, errors: list[RowError]
) -> None:
    by_criterion: dict[tuple[str, str], list[_Row]] = defaultdict(list)
    scorecard_names: dict[str, str] = {}
    for row in rows:
        by_criterion[row.criterion_key].append(row)
        scorecard_names.setdefault(row.scorecard_key, row.scorecard)
    for scorecard_key, scorecard_name in scorecard_names.items():
        if scorecard_key not in known.scorecards:
            if create_missing:
                plan.new_scorecards[scorecard_key] = (scorecard_name, [])
            else:
                # One message for the scorecard, naming its rows, not one per row.
                lines = [row.line for row in rows if row.scorecard_key == scorecard_key]
                errors.append(
                    RowError(
                        lines[0],
                        "scorecard",
                        f"the team has no scorecard “{scorecard_name}” "
                        f"({_rows_text(lines)}): {CREATE_MISSING_HINT}",
                    )
                )
    for key, criterion_rows in by_criterion.items():
        scorecard_key = key[0]
        existing = known.criteria.get(key)
        if existing is not None:
            _check_values(plan, existing, criterion_rows, errors)
            continue
        if scorecard_key not in known.scorecards and scorecard_key not in plan.new_scorecards:
            continue  # already reported: unknown scorecard
        if not create_missing:
            names = [
                criterion.name
                for (card, _), criterion in known.criteria.items()
                if card == scorecard_key
            ]
            listing = ", ".join(f"“{name}”" for name in names) or "none"
            lines = [row.line for row in criterion_rows]
            first = criterion_rows[0]
            errors.append(
                RowError(
                    lines[0],
                    "criterion",
                    f"scorecard “{first.scorecard}” has no criterion “{first.criterion}” "
                    f"({_rows_text(lines)}; its criteria: {listing}): {CREATE_MISSING_HINT}",
                )
            )
            continue
        first = criterion_rows[0]
        inference = infer_scale([(row.line, row.score) for row in criterion_rows if row.score])
        na_seen = any(row.is_na for row in criterion_rows)
        if inference.scale is None:
            message = inference.problem or (
                f"cannot infer the scale of “{first.criterion}”: it has only empty or N/A "
                "values; add the criterion to the scorecard first"
            )
            bad = inference.bad_lines or [row.line for row in criterion_rows]
            errors.extend(RowError(line, "score", message) for line in bad)
            continue
        plan.new_criteria[key] = NewCriterion(
            name=first.criterion, scale=inference.scale, na_allowed=na_seen
        )
        if scorecard_key in plan.new_scorecards:
            plan.new_scorecards[scorecard_key][1].append(key)
        else:
            plan.added_criteria.setdefault(scorecard_key, []).append(key)
        scorecard_name = scorecard_names[scorecard_key]
        if scorecard_key in known.scorecards:
            scorecard_name = known.scorecards[scorecard_key].name
        plan.inferred.append(
            f"Criterion “{first.criterion}” (scorecard “{scorecard_name}”): "
            f"{inference.description}{'; N/A allowed' if na_seen else ''}"
        )
        for row in criterion_rows:
            plan.codes[row.line] = None if row.is_na or not row.score else inference.codes[row.line]


def _check_values(plan: _Plan, criterion, rows: list[_Row], errors: list[RowError]) -> None:
    scale = criterion.scale
    for row in rows:
        if row.is_na:
            if not criterion.na_allowed:
                errors.append(
                    RowError(row.line, "score", f"N/A is not allowed for “{criterion.name}”")
                )
            plan.codes[row.line] = None
        elif not row.score:
            plan.codes[row.line] = None
        else:
            try:
                plan.codes[row.line] = scale.parse(row.score)
            except ScaleError:
                errors.append(
                    RowError(
                        row.line,
                        "score",
                        f"{row.score!r} is not on the scale of “{criterion.name}” "
                        f"({scale.describe()})",
                    )
                )


# --- reviewers, interactions and sessions ----------------------------------------------------


def _plan_people_and_interactions(
    plan: _Plan, rows: list[_Row], known: _Known, errors: list[RowError]
) -> None:
    for row in rows:
        if row.reviewer_key not in known.users:
            plan.new_users.setdefault(row.reviewer_key, row.reviewer)
        existing = known.interactions.get(row.interaction)
        if existing is not None:
            if row.channel and row.channel != existing.channel:
                errors.append(
                    RowError(
                        row.line,
                        "channel",
                        f"interaction {row.interaction!r} is already in the team as "
                        f"{existing.get_channel_display()}, not {row.channel}",
                    )
                )
            continue
        if row.channel:
            plan.new_interactions.setdefault(row.interaction, row.channel)
    missing_channel = [
        row
        for row in rows
        if row.interaction not in known.interactions
        and row.interaction not in plan.new_interactions
    ]
    for row in missing_channel:
        errors.append(
            RowError(
                row.line,
                "channel",
                f"interaction {row.interaction!r} is new to the team: give its channel "
                "(email, chat, phone, expert_session or other) on at least one of its rows",
            )
        )


def _plan_sessions(plan: _Plan, rows: list[_Row], known: _Known, errors: list[RowError]) -> None:
    sessions: dict[str, ClosedSessionPlan] = {}
    for row in rows:
        session = sessions.get(row.session)
        if session is None:
            session = sessions[row.session] = ClosedSessionPlan(
                title=row.session,
                held_on=row.held_on,
                scorecard_key=row.scorecard_key,
                first_line=row.line,
            )
        if row.interaction not in session.interactions:
            session.interactions.append(row.interaction)
        if row.reviewer_key not in session.reviewers:
            session.reviewers.append(row.reviewer_key)
        if row.criterion_key not in session.criteria:
            session.criteria.append(row.criterion_key)
        if row.is_rated:
            session.ratings.append(
                PlannedRating(
                    interaction=row.interaction,
                    criterion=row.criterion_key,
                    reviewer=row.reviewer_key,
                    code=plan.codes.get(row.line),
                    is_na=row.is_na,
                    comment=row.comment,
                )
            )
    existing = {
        session.title: known.sessions[(session.title, session.held_on)]
        for session in sessions.values()
        if (session.title, session.held_on) in known.sessions
    }
    stored = _stored_contents(list(existing.values()))
    for session in sessions.values():
        old = existing.get(session.title)
        if old is None:
            plan.sessions.append(session)
        elif stored.get(old.pk) == _file_content(session, known):
            plan.unchanged += 1
        else:
            lines = [row.line for row in rows if row.session == session.title]
            errors.append(
                RowError(
                    session.first_line,
                    "session",
                    f"session “{session.title}” of {session.held_on:%Y-%m-%d} (rows "
                    f"{_ranges(lines)}) was already imported with different ratings: rename "
                    "the session or delete the old one",
                )
            )


def _ranges(lines: list[int]) -> str:
    spans, start, previous = [], None, None
    for line in sorted(lines):
        if start is None:
            start = previous = line
        elif line == previous + 1:
            previous = line
        else:
            spans.append((start, previous))
            start = previous = line
    if start is not None:
        spans.append((start, previous))
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _file_content(session: ClosedSessionPlan, known: _Known) -> tuple:
    """What a session of the file would store, in the terms `_stored_contents` reads."""

    def key_of(criterion_key):
        criterion = known.criteria.get(criterion_key)
        return criterion.key if criterion is not None else None

    scorecard = known.scorecards.get(session.scorecard_key)
    return (
        scorecard.pk if scorecard is not None else None,
        frozenset(session.interactions),
        frozenset(session.reviewers),
        frozenset(key_of(criterion) for criterion in session.criteria),
        frozenset(
            (interaction, key_of(criterion), reviewer, code, is_na, comment)
            for interaction, criterion, reviewer, code, is_na, comment in session.ratings
        ),
    )


def _stored_contents(sessions: list[CalibrationSession]) -> dict[int, tuple]:
    """The same shape as `_file_content` for sessions in the database (five queries)."""
    if not sessions:
        return {}
    ids = [session.pk for session in sessions]
    parts = {pk: (set(), set(), set(), set()) for pk in ids}
    for session_id, external_id in SessionInteraction.objects.filter(
        session_id__in=ids
    ).values_list("session_id", "interaction__external_id"):
        parts[session_id][0].add(external_id)
    for session_id, username in Participant.objects.filter(
        session_id__in=ids, role=ParticipantRole.REVIEWER
    ).values_list("session_id", "user__username"):
        parts[session_id][1].add(username.casefold())
    through = CalibrationSession.criteria.through
    for session_id, key in through.objects.filter(calibrationsession_id__in=ids).values_list(
        "calibrationsession_id", "criterion__key"
    ):
        parts[session_id][2].add(key)
    for row in Score.objects.filter(item__session_id__in=ids).values_list(
        "item__session_id",
        "item__interaction__external_id",
        "criterion__key",
        "participant__user__username",
        "value",
        "is_na",
        "comment",
    ):
        session_id, external_id, key, username, value, is_na, comment = row
        parts[session_id][3].add((external_id, key, username.casefold(), value, is_na, comment))
    scorecards = dict(
        CalibrationSession.objects.filter(pk__in=ids).values_list(
            "pk", "scorecard_version__scorecard_id"
        )
    )
    return {
        pk: (
            scorecards.get(pk),
            frozenset(items),
            frozenset(reviewers),
            frozenset(criteria),
            frozenset(scores),
        )
        for pk, (items, reviewers, criteria, scores) in parts.items()
    }
