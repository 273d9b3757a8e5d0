"""Writes to scorecards.

Versions are immutable once a session has used them (`locked_at`). Every edit goes through
`_commit`: it takes the criteria as they should be, works out what changed in words, and
writes nothing when nothing changed. If the newest version is locked it starts a new one
(number + 1, every criterion copied with its key); otherwise it edits the newest version in
place. Either way the words are appended to that version's `changes`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db import transaction
from django.utils import timezone

from .models import CalibrationNote, Criterion, Scorecard, ScorecardVersion
from .selectors import current_version, display_order
from .specs import CriterionData, SpecError, check_critical, describe_changes

CREATED = "Created"
REORDERED = "Reordered criteria"


class ScorecardError(Exception):
    """A scorecard change that cannot be made; the message is shown to the user.

    `field` names the criterion field at fault (as on the criterion form), when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Edit:
    """What an edit did: the version it wrote to and the changes it recorded there."""

    version: ScorecardVersion
    changes: list[str]
    new_version: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes)


# An entry of the wanted list of criteria: an existing key (or None for a new one) and its data.
Entry = tuple[uuid.UUID | None, CriterionData]


# --- scorecards ------------------------------------------------------------------------------


@transaction.atomic
def scorecard_create(
    *,
    team,
    name: str,
    description: str = "",
    user=None,
    criteria: Sequence[CriterionData] = (),
) -> Scorecard:
    name = _clean_name(name)
    _check_name_free(team=team, name=name)
    _check_unique_names([data.name for data in criteria])
    _check_new_criteria([(None, data) for data in criteria], [])
    scorecard = Scorecard.objects.create(
        team=team, name=name, description=description.strip(), created_by=user
    )
    version = ScorecardVersion.objects.create(
        scorecard=scorecard, number=1, created_by=user, changes=[CREATED]
    )
    _create_criteria(version, [(None, data) for data in criteria])
    return scorecard


@transaction.atomic
def scorecard_update(*, scorecard: Scorecard, name: str, description: str) -> Scorecard:
    """Renames or re-describes a scorecard; these are not versioned."""
    name = _clean_name(name)
    _check_name_free(team=scorecard.team, name=name, exclude_pk=scorecard.pk)
    scorecard.name = name
    scorecard.description = description.strip()
    scorecard.save(update_fields=["name", "description"])
    return scorecard


@transaction.atomic
def scorecard_version_lock(*, version: ScorecardVersion) -> ScorecardVersion:
    """Marks a version as used in a session: from now on it is never edited. Idempotent."""
    Scorecard.objects.select_for_update().filter(pk=version.scorecard_id).first()
    locked = ScorecardVersion.objects.get(pk=version.pk)
    if locked.locked_at is None:
        locked.locked_at = timezone.now()
        locked.save(update_fields=["locked_at"])
    version.locked_at = locked.locked_at
    return locked


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ScorecardError("Give the scorecard a name.")
    if len(name) > Scorecard._meta.get_field("name").max_length:
        raise ScorecardError("Keep the scorecard name under 200 characters.")
    return name


def _check_name_free(*, team, name: str, exclude_pk: int | None = None) -> None:
    clash = Scorecard.objects.filter(team=team, name__iexact=name).exclude(pk=exclude_pk)
    if clash.exists():
        raise ScorecardError(f"This team already has a scorecard called “{name}”.")


# --- criteria --------------------------------------------------------------------------------


def criterion_add(*, scorecard: Scorecard, data: CriterionData, user=None) -> Edit:
    """Adds a criterion at the end of the scorecard (so last in its group)."""
    return _edit(scorecard, user, lambda entries: [*entries, (None, data)])


def criterion_update(
    *, scorecard: Scorecard, key: uuid.UUID, data: CriterionData, user=None
) -> Edit:
    """Replaces a criterion's content. Retiring and restoring have services of their own."""

    def change(entries: list[Entry]) -> list[Entry]:
        old = _data_for(entries, key)
        return _replace_data(entries, key, replace(data, is_active=old.is_active))

    return _edit(scorecard, user, change)


def criterion_retire(*, scorecard: Scorecard, key: uuid.UUID, user=None) -> Edit:
    return _set_active(scorecard, key, user, active=False)


def criterion_restore(*, scorecard: Scorecard, key: uuid.UUID, user=None) -> Edit:
    return _set_active(scorecard, key, user, active=True)


def criterion_move(*, scorecard: Scorecard, key: uuid.UUID, offset: int, user=None) -> Edit:
    """Moves a criterion up (-1) or down (+1) within its group; at either end, nothing."""

    def change(entries: list[Entry]) -> list[Entry]:
        ordered = display_order(entries, group=lambda entry: entry[1].group)
        keys = [entry_key for entry_key, _ in ordered]
        index = _index_of(keys, key)
        target = index + offset
        same_group = 0 <= target < len(ordered) and (
            ordered[target][1].group == ordered[index][1].group
        )
        if not same_group:
            return entries
        ordered[index], ordered[target] = ordered[target], ordered[index]
        return ordered

    return _edit(scorecard, user, change)


def criteria_reorder(*, scorecard: Scorecard, keys: Sequence[uuid.UUID], user=None) -> Edit:
    """Puts the criteria in the given order; `keys` must name every criterion once."""

    def change(entries: list[Entry]) -> list[Entry]:
        by_key = dict(entries)
        if len(keys) != len(by_key) or set(keys) != set(by_key):
            raise ScorecardError(
                "The new order does not match the scorecard's criteria. Reload the page and "
                "try again."
            )
        return [(key, by_key[key]) for key in keys]

    return _edit(scorecard, user, change)


def _set_active(scorecard: Scorecard, key: uuid.UUID, user, *, active: bool) -> Edit:
    def change(entries: list[Entry]) -> list[Entry]:
        return _replace_data(entries, key, replace(_data_for(entries, key), is_active=active))

    return _edit(scorecard, user, change)


def _data_for(entries: list[Entry], key: uuid.UUID) -> CriterionData:
    for entry_key, data in entries:
        if entry_key == key:
            return data
    raise Criterion.DoesNotExist("No such criterion on this scorecard.")


def _index_of(keys: list, key: uuid.UUID) -> int:
    if key not in keys:
        raise Criterion.DoesNotExist("No such criterion on this scorecard.")
    return keys.index(key)


def _replace_data(entries: list[Entry], key: uuid.UUID, data: CriterionData) -> list[Entry]:
    return [(entry_key, data if entry_key == key else old) for entry_key, old in entries]


# --- import: make a scorecard look like a file says ------------------------------------------


SYNC_CREATED = "created"
SYNC_UPDATED = "updated"
SYNC_UNCHANGED = "unchanged"


@transaction.atomic
def scorecard_sync(
    *,
    team,
    name: str,
    description: str | None,
    criteria: Sequence[CriterionData],
    user=None,
) -> str:
    """Creates the scorecard or brings it in line with `criteria`, matching them by name.

    Criteria the scorecard has but `criteria` lacks are retired (never deleted). Returns
    SYNC_CREATED, SYNC_UPDATED or SYNC_UNCHANGED. `description=None` leaves it as it is.
    """
    scorecard = (
        Scorecard.objects.select_for_update().filter(team=team, name__iexact=name.strip()).first()
    )
    if scorecard is None:
        scorecard_create(
            team=team, name=name, description=description or "", user=user, criteria=criteria
        )
        return SYNC_CREATED
    described = _sync_description(scorecard, description)
    edit = _edit(scorecard, user, lambda entries: _match_by_name(entries, criteria))
    return SYNC_UPDATED if edit.changed or described else SYNC_UNCHANGED


def _sync_description(scorecard: Scorecard, description: str | None) -> bool:
    if description is None or description.strip() == scorecard.description:
        return False
    scorecard.description = description.strip()
    scorecard.save(update_fields=["description"])
    return True


def _match_by_name(entries: list[Entry], criteria: Sequence[CriterionData]) -> list[Entry]:
    by_name = {data.name.casefold(): key for key, data in entries}
    wanted: list[Entry] = [(by_name.get(data.name.casefold()), data) for data in criteria]
    kept = {key for key, _ in wanted if key is not None}
    missing = [(key, replace(data, is_active=False)) for key, data in entries if key not in kept]
    return wanted + missing


# --- the one way criteria change -------------------------------------------------------------


def _edit(scorecard: Scorecard, user, change, *, also: Sequence[str] = ()) -> Edit:
    """Applies `change` (wanted entries from current entries) under a lock on the scorecard.

    `also` adds words to the changelog (why the change was made), only if something changed."""
    with transaction.atomic():
        Scorecard.objects.select_for_update().filter(pk=scorecard.pk).first()
        version = _current_version(scorecard, user)
        current = list(version.criteria.order_by("position", "id"))
        entries: list[Entry] = [(c.key, CriterionData.from_criterion(c)) for c in current]
        wanted = change(list(entries))
        _check_unique_names([data.name for _, data in wanted])
        _check_new_criteria(wanted, entries)
        changes = _describe(entries, wanted)
        if not changes:
            return Edit(version=version, changes=[])
        changes = [*changes, *also]
        if version.is_locked:
            return _write_new_version(version, wanted, changes, user)
        _write_in_place(version, current, wanted)
        version.changes = [*version.changes, *changes]
        version.save(update_fields=["changes", "updated_at"])
        return Edit(version=version, changes=changes)


def _current_version(scorecard: Scorecard, user) -> ScorecardVersion:
    version = current_version(scorecard=scorecard)
    if version is None:  # a scorecard made outside these services
        version = ScorecardVersion.objects.create(
            scorecard=scorecard, number=1, created_by=user, changes=[CREATED]
        )
    return version


def _describe(entries: list[Entry], wanted: list[Entry]) -> list[str]:
    before = dict(entries)
    changes = []
    for key, data in wanted:
        if key is None:
            changes.append(f"Added “{data.name}”" + ("" if data.is_active else " (retired)"))
        else:
            changes.extend(describe_changes(before[key], data))
    old_order = [key for key, _ in entries]
    new_order = [key for key, _ in wanted if key is not None]
    if old_order != new_order:
        changes.append(REORDERED)
    return changes


def _check_unique_names(names: list[str]) -> None:
    seen = set()
    for name in names:
        if name.casefold() in seen:
            raise ScorecardError(
                f"There is already a criterion called “{name}” on this scorecard "
                "(if it was retired, restore it instead).",
                field="name",
            )
        seen.add(name.casefold())


def _check_new_criteria(wanted: list[Entry], entries: list[Entry]) -> None:
    """Rules for what is added or rescored now; criteria stored before them stay editable."""
    before = dict(entries)
    for key, data in wanted:
        old = before.get(key)
        if old is not None and (old.critical, old.scale) == (data.critical, data.scale):
            continue
        try:
            check_critical(data)
        except SpecError as error:
            raise ScorecardError(f"“{data.name}”: {error.message}", field=error.field) from None


def _write_new_version(
    locked: ScorecardVersion, wanted: list[Entry], changes: list[str], user
) -> Edit:
    version = ScorecardVersion.objects.create(
        scorecard_id=locked.scorecard_id,
        number=locked.number + 1,
        created_by=user,
        changes=changes,
    )
    _create_criteria(version, wanted)
    return Edit(version=version, changes=changes, new_version=True)


def _write_in_place(version: ScorecardVersion, current: list[Criterion], wanted: list[Entry]):
    by_key = {criterion.key: criterion for criterion in current}
    updated = []
    for position, (key, data) in enumerate(wanted):
        if key is None:
            continue
        criterion = by_key[key]
        for field_name, value in {**data.model_fields(), "position": position}.items():
            setattr(criterion, field_name, value)
        updated.append(criterion)
    Criterion.objects.bulk_update(updated, [*CriterionData.model_field_names(), "position"])
    _create_criteria(version, wanted, only_new=True)


def _create_criteria(version: ScorecardVersion, wanted: list[Entry], *, only_new=False):
    Criterion.objects.bulk_create(
        Criterion(
            version=version,
            key=key or uuid.uuid4(),
            position=position,
            **data.model_fields(),
        )
        for position, (key, data) in enumerate(wanted)
        if key is None or not only_new
    )


# --- calibration notes -----------------------------------------------------------------------

NOTE_MAX_LENGTH = 5000


@dataclass(frozen=True)
class NoteSource:
    """Where a note comes from, as plain values: the layer above (sessions) fills this in."""

    source_id: int
    session_id: int
    session_title: str
    recorded_at: object  # a datetime
    interaction_id: int | None = None
    interaction_label: str = ""
    rating_label: str = ""
    source_kind: str = CalibrationNote.SOURCE_CONSENSUS


@transaction.atomic
def calibration_note_record(
    *, criterion: Criterion, text: str, source: NoteSource
) -> CalibrationNote | None:
    """Keeps the note of one consensus in step with it: created, updated, or (blank) removed.

    A note whose text changes is a new reading of the criterion, so it is shown again even if
    its earlier text was superseded."""
    text = (text or "").strip()
    existing = (
        CalibrationNote.objects.select_for_update()
        .filter(source_kind=source.source_kind, source_id=source.source_id)
        .first()
    )
    if not text:
        if existing is not None:
            existing.delete()
        return None
    values = {
        "scorecard_id": criterion.version.scorecard_id,
        "criterion_key": criterion.key,
        "criterion": criterion,
        "text": text[:NOTE_MAX_LENGTH],
        "session_id": source.session_id,
        "session_title": source.session_title[:200],
        "recorded_at": source.recorded_at,
        "interaction_id": source.interaction_id,
        "interaction_label": source.interaction_label[:450],
        "rating_label": source.rating_label[:200],
    }
    if existing is None:
        return CalibrationNote.objects.create(
            source_kind=source.source_kind, source_id=source.source_id, **values
        )
    if existing.text != values["text"]:
        values.update(superseded_at=None, superseded_by=None, folded_into=None)
    for name, value in values.items():
        setattr(existing, name, value)
    existing.save()
    return existing


@transaction.atomic
def calibration_note_remove(*, source_id: int, source_kind: str = CalibrationNote.SOURCE_CONSENSUS):
    CalibrationNote.objects.filter(source_kind=source_kind, source_id=source_id).delete()


@transaction.atomic
def calibration_note_supersede(*, note: CalibrationNote, user) -> CalibrationNote:
    """Keeps the note on the scorecard page, struck through, and out of the scoring room."""
    note = CalibrationNote.objects.select_for_update().get(pk=note.pk)
    if note.is_superseded:
        raise ScorecardError("This note is already superseded.")
    note.superseded_at = timezone.now()
    note.superseded_by = user
    note.save(update_fields=["superseded_at", "superseded_by"])
    return note


@transaction.atomic
def calibration_note_restore(*, note: CalibrationNote) -> CalibrationNote:
    note = CalibrationNote.objects.select_for_update().get(pk=note.pk)
    if not note.is_superseded:
        raise ScorecardError("This note is not superseded.")
    if note.folded_into_id is not None:
        raise ScorecardError(
            "This note was folded into the guidance of a version: edit the guidance instead."
        )
    note.superseded_at = None
    note.superseded_by = None
    note.save(update_fields=["superseded_at", "superseded_by"])
    return note


def calibration_notes_fold(
    *,
    scorecard: Scorecard,
    key: uuid.UUID,
    note_ids: Sequence[int],
    guidance_right: str,
    guidance_wrong: str,
    user=None,
) -> Edit:
    """Writes notes into a criterion's guidance as a scorecard change, then supersedes them.

    The change goes where every edit goes (a new version if the current one is in use), and
    its changelog entry names the notes' sessions. Nothing is written unless the guidance
    actually changes."""
    with transaction.atomic():
        Scorecard.objects.select_for_update().filter(pk=scorecard.pk).first()
        ids = sorted({int(note_id) for note_id in note_ids})
        if not ids:
            raise ScorecardError("Choose the notes to fold into the guidance.", field="notes")
        notes = list(
            CalibrationNote.objects.select_for_update()
            .filter(scorecard=scorecard, criterion_key=key, pk__in=ids, superseded_at=None)
            .order_by("recorded_at", "id")
        )
        if len(notes) != len(ids):
            raise ScorecardError(
                "Some of those notes are not open notes of this criterion. Reload the page "
                "and try again.",
                field="notes",
            )
        sessions = ", ".join(dict.fromkeys(f"“{note.session_title}”" for note in notes))
        count = f"{len(notes)} calibration note{'s' if len(notes) > 1 else ''}"

        def change(entries: list[Entry]) -> list[Entry]:
            old = _data_for(entries, key)
            new = replace(
                old, guidance_right=guidance_right.strip(), guidance_wrong=guidance_wrong.strip()
            )
            return _replace_data(entries, key, new)

        name = _data_for(_current_entries(scorecard), key).name
        edit = _edit(scorecard, user, change, also=[f"“{name}”: folded {count} from {sessions}"])
        if not edit.changed:
            raise ScorecardError(
                "The guidance is unchanged: write what the notes say into it, then fold them.",
                field="guidance_right",
            )
        now = timezone.now()
        for note in notes:
            note.superseded_at = now
            note.superseded_by = user
            note.folded_into = edit.version
        CalibrationNote.objects.bulk_update(
            notes, ["superseded_at", "superseded_by", "folded_into"]
        )
        return edit


def _current_entries(scorecard: Scorecard) -> list[Entry]:
    version = current_version(scorecard=scorecard)
    if version is None:
        raise Criterion.DoesNotExist("No such criterion on this scorecard.")
    return [(c.key, CriterionData.from_criterion(c)) for c in version.criteria.order_by("position")]


# --- criterion reviews -----------------------------------------------------------------------

REVIEW_ACTIONS = ("change", "delete", "add")


@dataclass(frozen=True)
class ReviewChange:
    """One decision of a criterion review that changes the scorecard, as plain values (the
    session layer above fills this in): change or delete an existing criterion (`key`), or
    add a new one (`key` None). `data` is the criterion as decided, for change and add."""

    action: str
    rationale: str
    key: uuid.UUID | None = None
    data: CriterionData | None = None


def scorecard_apply_review(
    *,
    scorecard: Scorecard,
    changes: Sequence[ReviewChange],
    session_id: int,
    session_title: str,
    user=None,
) -> Edit:
    """Writes a criterion review's decisions as the scorecard's next version.

    Applied to the current version (a version in use is never edited, so this starts a new
    one; sessions that used the earlier version keep it). Deleting retires the criterion
    (history keeps it); a changed criterion keeps its key, so its calibration notes carry
    over and the statistics start a new series only when its scale changes. Each change gets
    one changelog entry, a dict naming the session and the rationale. A decision whose
    criterion has left the scorecard since the review began changes nothing. Nothing is
    written when no decision changes anything."""
    with transaction.atomic():
        Scorecard.objects.select_for_update().filter(pk=scorecard.pk).first()
        version = _current_version(scorecard, user)
        current = list(version.criteria.order_by("position", "id"))
        entries: list[Entry] = [(c.key, CriterionData.from_criterion(c)) for c in current]
        before = dict(entries)
        wanted = list(entries)
        log = []
        added_names: dict[int, str] = {}  # log index -> name of the criterion it adds
        for change in changes:
            if change.action not in REVIEW_ACTIONS:
                raise ScorecardError(f"Unknown review decision {change.action!r}.")
            if change.action == "add":
                wanted.append((None, change.data))
                words = [f"Added “{change.data.name}”"]
                added_names[len(log)] = change.data.name
            elif change.key not in before:
                continue
            else:
                old = _data_for(wanted, change.key)
                if change.action == "delete":
                    new = replace(old, is_active=False)
                else:
                    new = replace(change.data, is_active=old.is_active, group=old.group)
                wanted = _replace_data(wanted, change.key, new)
                words = describe_changes(old, new)
            if words:
                log.append(
                    {
                        "text": "; ".join(words),
                        "criterion_key": str(change.key) if change.key else None,
                        "action": change.action,
                        "session_id": session_id,
                        "session_title": session_title[:200],
                        "rationale": change.rationale.strip(),
                    }
                )
        _check_unique_names([data.name for _, data in wanted])
        _check_new_criteria(wanted, entries)
        if not log:
            return Edit(version=version, changes=[])
        if version.is_locked:
            edit = _write_new_version(version, wanted, log, user)
        else:
            _write_in_place(version, current, wanted)
            version.changes = [*version.changes, *log]
            version.save(update_fields=["changes", "updated_at"])
            edit = Edit(version=version, changes=log)
        if added_names:
            # An added criterion's key exists once it is written; names are unique per version.
            keys = {c.name: c.key for c in edit.version.criteria.all()}
            for index, name in added_names.items():
                log[index]["criterion_key"] = str(keys[name])
            edit.version.save(update_fields=["changes"])
        return edit
