"""Scorecards from and to CSV or JSON files (the format is documented in
docs/import-scorecards.md).

Imports check every row first and write nothing if any row is wrong. Each scorecard in the
file is then created, or brought in line with the file through the usual versioning rules
(services.scorecard_sync); a scorecard the file does not change is left exactly as it is.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from datafiles import (
    ImportFailed,
    RowError,
    read_bytes,
    read_csv_rows,
    read_json_records,
)

from . import services
from .scales import ScaleKind
from .selectors import current_versions_with_criteria
from .specs import (
    GROUP_MAX_LENGTH,
    LIST_SEPARATOR,
    NAME_MAX_LENGTH,
    CriterionData,
    ScaleInput,
    SpecError,
    build_scale,
    check_critical,
    fail_tokens,
    format_number,
    parse_bool,
    parse_weight,
    split_list,
)

FORMATS = ("csv", "json")
CSV_COLUMNS = [
    "scorecard",
    "group",
    "criterion",
    "description",
    "guidance_right",
    "guidance_wrong",
    "scale",
    "points",
    "labels",
    "ordered",
    "fail_values",
    "na_allowed",
    "weight",
    "critical",
    "active",
    "scorecard_description",
]
CSV_REQUIRED = ["scorecard", "criterion", "scale"]
# The criterion's own fields, and what the CSV calls them where the name differs.
CSV_NAMES = {"name": "criterion"}
TEXT_FIELDS = {
    "name": NAME_MAX_LENGTH,
    "group": GROUP_MAX_LENGTH,
    "description": None,
    "guidance_right": None,
    "guidance_wrong": None,
}


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = [
            _count_names("created", self.created),
            _count_names("updated", self.updated),
            _count_names("unchanged", self.unchanged),
        ]
        total = len(self.created) + len(self.updated) + len(self.unchanged)
        return f"{total} scorecard{'s' if total != 1 else ''}: " + "; ".join(parts) + "."


def _count_names(word: str, names: list[str]) -> str:
    return f"{len(names)} {word}" + (f" ({', '.join(names)})" if names else "")


@dataclass
class ScorecardDraft:
    """One scorecard as read from a file, before anything is written."""

    name: str
    row: int | None
    description: str | None = None
    criteria: list[CriterionData] = field(default_factory=list)
    first_seen: dict[str, str] = field(default_factory=dict)  # criterion name -> where


# --- import ----------------------------------------------------------------------------------


def import_scorecards(*, team, data: bytes, fmt: str, user=None) -> ImportResult:
    """Reads the whole file, then writes it in one transaction. Raises ImportFailed with
    every problem found (row, column, reason) and writes nothing if there is any."""
    data = read_bytes(io.BytesIO(data))  # the same size limit as an upload
    drafts = _read(data, fmt)
    result = ImportResult()
    lists = {
        services.SYNC_CREATED: result.created,
        services.SYNC_UPDATED: result.updated,
        services.SYNC_UNCHANGED: result.unchanged,
    }
    with transaction.atomic():
        for draft in drafts:
            lists[_sync(team, draft, user)].append(draft.name)
    return result


def _read(data: bytes, fmt: str) -> list[ScorecardDraft]:
    fmt = (fmt or "").lower().lstrip(".")
    if fmt == "csv":
        return _read_csv(data)
    if fmt == "json":
        return _read_json(data)
    raise ImportFailed(f"Unknown format {fmt!r}: use csv or json.")


def _sync(team, draft: ScorecardDraft, user) -> str:
    try:
        return services.scorecard_sync(
            team=team,
            name=draft.name,
            description=draft.description,
            criteria=draft.criteria,
            user=user,
        )
    except services.ScorecardError as error:
        raise ImportFailed(RowError(draft.row, None, str(error))) from None


def _scorecard_name_problem(name: str) -> str | None:
    if not name:
        return "the scorecard name is empty"
    if len(name) > NAME_MAX_LENGTH:
        return f"the scorecard name is longer than {NAME_MAX_LENGTH} characters"
    return None


# --- reading CSV -----------------------------------------------------------------------------


def _read_csv(data: bytes) -> list[ScorecardDraft]:
    drafts: dict[str, ScorecardDraft] = {}
    errors: list[RowError] = []
    for line, row in read_csv_rows(data, required=CSV_REQUIRED):
        name = row.get("scorecard", "")
        problem = _scorecard_name_problem(name)
        if problem:
            errors.append(RowError(line, "scorecard", problem))
            continue
        draft = drafts.setdefault(name.casefold(), ScorecardDraft(name=name, row=line))
        _read_csv_description(draft, row)
        if not any(row.get(_csv_column(key), "") for key in _CRITERION_KEYS):
            continue  # a scorecard row without a criterion: how a scorecard with none is written
        fields = _csv_fields(row)
        data_, row_errors = _parse_criterion(
            fields, lambda column, line=line: (line, _csv_column(column))
        )
        errors.extend(row_errors)
        errors.extend(
            _add_to_draft(draft, fields["name"], data_, (line, "criterion"), f"row {line}")
        )
    if errors:
        raise ImportFailed(errors)
    return list(drafts.values())


def _read_csv_description(draft: ScorecardDraft, row: dict[str, str]) -> None:
    text = row.get("scorecard_description", "")
    if text and draft.description is None:
        draft.description = text


def _csv_fields(row: dict[str, str]) -> dict:
    fields = {name: row.get(_csv_column(name), "") for name in _CRITERION_KEYS}
    fields["labels"] = split_list(fields["labels"])
    fields["fail_values"] = split_list(fields["fail_values"])
    return fields


def _csv_column(name: str) -> str:
    return CSV_NAMES.get(name, name)


# --- reading JSON ----------------------------------------------------------------------------


def _read_json(data: bytes) -> list[ScorecardDraft]:
    errors: list[RowError] = []
    drafts: list[ScorecardDraft] = []
    seen: dict[str, int] = {}
    for number, record in read_json_records(_wrap_single(data), key="scorecards"):
        draft, record_errors = _json_scorecard(number, record)
        errors.extend(record_errors)
        if draft is None:
            continue
        if draft.name.casefold() in seen:
            first = seen[draft.name.casefold()]
            errors.append(
                RowError(number, "name", f"scorecard “{draft.name}” is also record {first}")
            )
        seen.setdefault(draft.name.casefold(), number)
        drafts.append(draft)
    if errors:
        raise ImportFailed(errors)
    return drafts


def _wrap_single(data: bytes) -> bytes:
    """A single scorecard object at the top level reads as a list of one."""
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return data  # the shared reader reports it properly
    if isinstance(payload, dict) and "scorecards" not in payload:
        return json.dumps([payload]).encode()
    return data


def _json_scorecard(number: int, record: dict) -> tuple[ScorecardDraft | None, list[RowError]]:
    errors = []
    name = _json_text(record.get("name"))
    problem = _scorecard_name_problem(name)
    if problem:
        errors.append(RowError(number, "name", problem))
    description = record.get("description")
    if description is not None and not isinstance(description, str):
        errors.append(RowError(number, "description", "must be text"))
    criteria = record.get("criteria", [])
    if not isinstance(criteria, list):
        errors.append(RowError(number, "criteria", "must be a list of criteria"))
        criteria = []
    draft = ScorecardDraft(
        name=name, row=number, description=description if isinstance(description, str) else None
    )
    for index, item in enumerate(criteria, start=1):
        errors.extend(_json_criterion(draft, number, index, item))
    return (None if problem else draft), errors


def _json_criterion(draft: ScorecardDraft, number: int, index: int, item) -> list[RowError]:
    prefix = f"criteria[{index}]"
    if not isinstance(item, dict):
        return [RowError(number, prefix, "each criterion must be a JSON object")]
    fields = {name: item.get(name) for name in _CRITERION_KEYS}
    data, errors = _parse_criterion(fields, lambda column: (number, f"{prefix}.{column}"))
    name = _json_text(fields["name"])
    errors.extend(_add_to_draft(draft, name, data, (number, f"{prefix}.name"), prefix))
    return errors


def _json_text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


# --- one criterion, from either format -------------------------------------------------------

_CRITERION_KEYS = [
    *TEXT_FIELDS,
    "scale",
    "points",
    "labels",
    "ordered",
    "fail_values",
    "na_allowed",
    "weight",
    "critical",
    "active",
]

Where = Callable[[str], tuple[int, str]]


_FAILED = object()  # what a parser returns once it has reported its error


def _parse_criterion(fields: dict, where: Where) -> tuple[CriterionData | None, list[RowError]]:
    """CriterionData from raw values (CSV text or JSON values), or every error found."""
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        row, located = where(column)
        errors.append(RowError(row, located, message))

    texts = _parse_texts(fields, error)
    flags = _parse_flags(fields, error)
    weight = _parse_field(lambda: parse_weight(fields["weight"]), "weight", error)
    scale = _parse_scale(fields, flags["ordered"] is not False, error)
    if errors:
        return None, errors
    try:
        data = CriterionData(
            scale=scale,
            weight=weight,
            na_allowed=flags["na_allowed"],
            critical=flags["critical"],
            is_active=flags["active"],
            **texts,
        )
        check_critical(data)
    except SpecError as problem:
        error(problem.field, problem.message)
        return None, errors
    return data, errors


def _parse_texts(fields: dict, error) -> dict[str, str]:
    texts = {}
    for name, limit in TEXT_FIELDS.items():
        value = fields.get(name)
        if value is not None and not isinstance(value, str):
            error(name, "must be text")
            value = ""
        value = (value or "").strip()
        if limit and len(value) > limit:
            error(name, f"is longer than {limit} characters")
        texts[name] = value
    if not texts["name"]:
        error("name", "the criterion name is empty")
    return texts


FLAG_DEFAULTS = {"ordered": True, "na_allowed": False, "critical": False, "active": True}


def _parse_flags(fields: dict, error) -> dict:
    return {
        name: _parse_field(lambda n=name, d=default: parse_bool(fields[n], default=d), name, error)
        for name, default in FLAG_DEFAULTS.items()
    }


def _parse_field(parse: Callable, column: str, error):
    """parse(), or _FAILED after reporting its ValueError (a SpecError names its own column)."""
    try:
        return parse()
    except ValueError as problem:
        error(getattr(problem, "field", column), getattr(problem, "message", str(problem)))
        return _FAILED


def _parse_scale(fields: dict, ordered: bool, error):
    kind = fields.get("scale")
    if not isinstance(kind, str) or not kind.strip():
        error("scale", "the scale is empty (use binary, numeric or labels)")
        return _FAILED
    points = _parse_field(lambda: _parse_points(fields.get("points"), kind), "points", error)
    labels = _parse_field(lambda: _as_list(fields.get("labels")), "labels", error)
    fails = _parse_field(lambda: _as_list(fields.get("fail_values")), "fail_values", error)
    if _FAILED in (points, labels, fails):
        return _FAILED
    raw = ScaleInput(kind=kind, points=points, labels=labels, ordered=ordered, fail_values=fails)
    return _parse_field(lambda: build_scale(raw), "scale", error)


def _parse_points(value, kind: str) -> int | None:
    """Points as a whole number, or None when not given; only numeric scales use them."""
    if value is None or value == "" or kind.strip().lower() != ScaleKind.NUMERIC:
        return None
    if isinstance(value, bool):
        raise SpecError("points", f"{value!r} is not a whole number")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise SpecError("points", f"{value!r} is not a whole number") from None
    if not number.is_integer():
        raise SpecError("points", f"{value!r} is not a whole number")
    return int(number)


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        if any(isinstance(item, (list, dict)) for item in value):
            raise ValueError("must be a list of plain values")
        return [str(item) for item in value]
    if isinstance(value, str):
        return split_list(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    raise ValueError("must be a list")


def _add_to_draft(
    draft: ScorecardDraft,
    name: str,
    data: CriterionData | None,
    at: tuple[int, str],
    where: str,
) -> list[RowError]:
    """Adds a parsed criterion, refusing a second one with the same name. `data` is None when
    the criterion had errors: its name still counts, so a duplicate is reported as well."""
    name = (name or "").strip()
    key = name.casefold()
    if not key:
        return []
    if key in draft.first_seen:
        message = (
            f"duplicate criterion “{name}” in scorecard “{draft.name}” "
            f"(first at {draft.first_seen[key]})"
        )
        return [RowError(at[0], at[1], message)]
    draft.first_seen[key] = where
    if data is not None:
        draft.criteria.append(data)
    return []


# --- export ----------------------------------------------------------------------------------


def export_scorecards(*, team, fmt: str, scorecard_ids: Iterable[int] | None = None) -> bytes:
    """The team's scorecards (their newest versions) as CSV or JSON that imports back as is."""
    scorecards = current_versions_with_criteria(team=team, scorecard_ids=scorecard_ids)
    if fmt == "csv":
        return _export_csv(scorecards)
    if fmt == "json":
        payload = {"scorecards": [_scorecard_json(s, criteria) for s, criteria in scorecards]}
        return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()
    raise ValueError(f"Unknown format {fmt!r}: use csv or json.")


def _scorecard_json(scorecard, criteria) -> dict:
    return {
        "name": scorecard.name,
        "description": scorecard.description,
        "criteria": [_criterion_json(criterion) for criterion in criteria],
    }


def _criterion_json(criterion) -> dict:
    scale = criterion.scale
    record = {
        "name": criterion.name,
        "group": criterion.group,
        "description": criterion.description,
        "guidance_right": criterion.guidance_right,
        "guidance_wrong": criterion.guidance_wrong,
        "scale": scale.kind,
    }
    if scale.kind == ScaleKind.NUMERIC:
        record["points"] = scale.points
    if scale.labels:
        record["labels"] = list(scale.labels)
    if scale.kind == ScaleKind.LABELS:
        record["ordered"] = scale.ordered
    fails = fail_tokens(scale)
    record["fail_values"] = [int(v) for v in fails] if scale.kind == ScaleKind.NUMERIC else fails
    weight = criterion.weight
    record.update(
        na_allowed=criterion.na_allowed,
        weight=int(weight) if weight == int(weight) else float(weight),
        critical=criterion.critical,
        active=criterion.is_active,
    )
    return record


def _export_csv(scorecards) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for scorecard, criteria in scorecards:
        if not criteria:  # a row with only the scorecard keeps it in the file
            writer.writerow(
                {"scorecard": scorecard.name, "scorecard_description": scorecard.description}
            )
        for index, criterion in enumerate(criteria):
            row = _criterion_csv(scorecard, criterion)
            row["scorecard_description"] = scorecard.description if index == 0 else ""
            writer.writerow(row)
    return buffer.getvalue().encode()


def _criterion_csv(scorecard, criterion) -> dict:
    scale = criterion.scale
    return {
        "scorecard": scorecard.name,
        "group": criterion.group,
        "criterion": criterion.name,
        "description": criterion.description,
        "guidance_right": criterion.guidance_right,
        "guidance_wrong": criterion.guidance_wrong,
        "scale": scale.kind,
        "points": scale.points if scale.kind == ScaleKind.NUMERIC else "",
        "labels": LIST_SEPARATOR.join(scale.labels),
        "ordered": _yes_no(scale.ordered) if scale.kind == ScaleKind.LABELS else "",
        "fail_values": LIST_SEPARATOR.join(fail_tokens(scale)),
        "na_allowed": _yes_no(criterion.na_allowed),
        "weight": format_number(criterion.weight),
        "critical": _yes_no(criterion.critical),
        "active": _yes_no(criterion.is_active),
    }


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"
