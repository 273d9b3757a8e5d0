"""Importing and exporting interactions as JSON or CSV (the formats: docs/import-interactions.md),
and importing Zendesk's JSON ticket export (one ticket per line, with its comments).

An import reads the whole file first (datafiles readers), checks every row and
raises ImportFailed with all the bad rows at once; only a clean file is written, in one
transaction. Interactions are matched by external id within the team: new ones are created,
changed ones updated (their messages replaced only when the messages changed), identical ones
left alone, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from datafiles import ImportFailed, RowError, read_csv_rows, read_json_records
from teams.models import Team

from . import services
from .helpdesks import zendesk
from .helpdesks.client import HelpdeskError
from .helpdesks.masking import Masker
from .helpdesks.records import message_rows
from .models import Interaction, Message

INTERACTION_COLUMNS = [
    "external_id",
    "channel",
    "url",
    "agent_name",
    "subject",
    "occurred_at",
    "notes",
    "recording_url",
    "metadata",
]
MESSAGE_COLUMNS = ["message_author", "message_role", "message_sent_at", "message_body"]
CSV_COLUMNS = INTERACTION_COLUMNS + MESSAGE_COLUMNS
REQUIRED_COLUMNS = ["external_id", "channel"]
FIELDS = [column for column in INTERACTION_COLUMNS if column != "external_id"]
FORMATS = ("json", "csv")  # export formats
IMPORT_FORMATS = ("json", "csv", "zendesk")
_CHUNK = 500  # ids per IN (...) query: well under every database's parameter limit

MessageTuple = tuple[str, str, datetime | None, str]  # author, role, sent_at, body


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def summary(self) -> str:
        noun = "interaction" if self.total == 1 else "interactions"
        return (
            f"{self.total} {noun} read: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged."
        )


@dataclass
class _Record:
    row: int
    external_id: str
    values: dict[str, Any]  # the FIELDS, cleaned
    messages: list[MessageTuple] = field(default_factory=list)


# --- Import ----------------------------------------------------------------------------------


def detect_import_format(filename: str, data: bytes, *, chosen: str = "") -> str:
    """The format chosen, else told from the name (.csv, .json, .jsonl/.ndjson) and, for
    .json, from the first line: a Zendesk export has one ticket object per line."""
    if chosen:
        if chosen not in IMPORT_FORMATS:
            raise ImportFailed(f"Unknown format {chosen!r}: use json, csv or zendesk.")
        return chosen
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "zendesk"
    if suffix != ".json":
        raise ImportFailed(f"Unsupported file type {suffix or '(none)'}: use a .csv or .json file.")
    head = data[:200_000].decode("utf-8-sig", errors="replace").lstrip()
    first = head.split("\n", 1)[0].strip()
    try:
        record = json.loads(first)
    except ValueError:
        return "json"
    if (
        isinstance(record, dict)
        and "interactions" not in record
        and ("comments" in record or ("via" in record and "id" in record))
    ):
        return "zendesk"
    return "json"


def import_interactions(
    *,
    team: Team,
    data: bytes,
    fmt: str,
    mask: bool = False,
    hide_agent_name: bool = False,
) -> ImportResult:
    """Validates the whole file, then upserts by external id. Raises ImportFailed.

    `mask` masks emails, phone numbers and card numbers in the text before it is stored (and
    notes it on each interaction); `hide_agent_name` hides the agent from reviewers.
    """
    if fmt == "json":
        records = _parse_json(data)
    elif fmt == "csv":
        records = _parse_csv(data)
    elif fmt == "zendesk":
        records = _parse_zendesk(data)
    else:
        raise ImportFailed(f"Unknown format {fmt!r}: use json, csv or zendesk.")
    extra_fields = []
    if mask:
        extra_fields.append("privacy_note")
    if hide_agent_name:
        extra_fields.append("hide_agent_name")
    for record in records:
        if record.values["occurred_at"] is None:
            times = [message[2] for message in record.messages if message[2] is not None]
            record.values["occurred_at"] = min(times) if times else None
        if mask:
            _mask(record)
        if hide_agent_name:
            record.values["hide_agent_name"] = True
    try:
        with transaction.atomic():
            return _write(team=team, records=records, extra_fields=extra_fields)
    except IntegrityError:
        raise ImportFailed(
            "Another change to these interactions happened during the import; nothing was "
            "imported. Try again."
        ) from None


def _refuse_rewriting_calibrated(records, existing, old_messages) -> None:
    used = set(
        Interaction.objects.filter(
            pk__in=[interaction.pk for interaction in existing.values()],
            session_items__isnull=False,
        ).values_list("pk", flat=True)
    )
    errors = []
    for record in records:
        interaction = existing.get(record.external_id)
        if interaction is None:
            continue
        if services.conversation_frozen(
            calibrated=interaction.pk in used,
            old=(interaction.notes, old_messages.get(interaction.pk, [])),
            new=(record.values["notes"], record.messages),
        ):
            errors.append(
                RowError(
                    record.row,
                    "external_id",
                    f"{record.external_id} was already scored in a calibration session, so its "
                    "conversation cannot change; import the new version under another "
                    "external id.",
                )
            )
    if errors:
        raise ImportFailed(errors)


def _mask(record: _Record) -> None:
    masker = Masker()
    record.messages = [
        (masker(author), role, sent_at, masker(body))
        for author, role, sent_at, body in record.messages
    ]
    record.values["subject"] = masker(record.values["subject"])
    record.values["notes"] = masker(record.values["notes"])
    record.values["privacy_note"] = masker.note[: services.MAX_PRIVACY_NOTE]


def _write(*, team: Team, records: list[_Record], extra_fields: list[str]) -> ImportResult:
    external_ids = [record.external_id for record in records]
    existing: dict[str, Interaction] = {}
    for chunk in _chunks(external_ids):
        for interaction in Interaction.objects.filter(team=team, external_id__in=chunk):
            existing[interaction.external_id] = interaction
    old_messages: dict[int, list[MessageTuple]] = defaultdict(list)
    existing_ids = [interaction.pk for interaction in existing.values()]
    for chunk in _chunks(existing_ids):
        rows = (
            Message.objects.filter(interaction_id__in=chunk)
            .order_by("interaction_id", "position")
            .values_list("interaction_id", "author", "role", "sent_at", "body")
        )
        for interaction_id, *message in rows:
            old_messages[interaction_id].append(tuple(message))

    _refuse_rewriting_calibrated(records, existing, old_messages)
    now = timezone.now()
    to_create: list[tuple[Interaction, _Record]] = []
    to_update: list[Interaction] = []
    rewrite: list[tuple[Interaction, _Record]] = []
    unchanged = 0
    for record in records:
        interaction = existing.get(record.external_id)
        if interaction is None:
            new = Interaction(team=team, external_id=record.external_id, **record.values)
            to_create.append((new, record))
            continue
        fields_changed = any(
            getattr(interaction, name) != value for name, value in record.values.items()
        )
        messages_changed = old_messages.get(interaction.pk, []) != record.messages
        if not fields_changed and not messages_changed:
            unchanged += 1
            continue
        for name, value in record.values.items():
            setattr(interaction, name, value)
        interaction.updated_at = now
        to_update.append(interaction)
        if messages_changed:
            rewrite.append((interaction, record))

    created = Interaction.objects.bulk_create([new for new, _ in to_create], batch_size=_CHUNK)
    if any(interaction.pk is None for interaction in created):  # a database without RETURNING
        ids = dict(
            Interaction.objects.filter(
                team=team, external_id__in=[new.external_id for new in created]
            ).values_list("external_id", "pk")
        )
        for interaction in created:
            interaction.pk = ids[interaction.external_id]
    if to_update:
        Interaction.objects.bulk_update(
            to_update, [*FIELDS, *extra_fields, "updated_at"], batch_size=_CHUNK
        )
    for chunk in _chunks([interaction.pk for interaction, _ in rewrite]):
        Message.objects.filter(interaction_id__in=chunk).delete()
    Message.objects.bulk_create(
        [
            Message(
                interaction_id=interaction.pk,
                position=position,
                author=author,
                role=role,
                sent_at=sent_at,
                body=body,
            )
            for interaction, record in [*to_create, *rewrite]
            for position, (author, role, sent_at, body) in enumerate(record.messages, start=1)
        ],
        batch_size=_CHUNK,
    )
    return ImportResult(created=len(to_create), updated=len(to_update), unchanged=unchanged)


def _chunks(items: list) -> list[list]:
    return [items[start : start + _CHUNK] for start in range(0, len(items), _CHUNK)]


# --- Reading a record, shared by both formats --------------------------------------------------


class _Collector:
    """Collects the errors of one row while its values are cleaned."""

    def __init__(self, row: int, errors: list[RowError]):
        self.row = row
        self.errors = errors
        self.ok = True

    def fail(self, column: str | None, message: str) -> None:
        self.ok = False
        self.errors.append(RowError(self.row, column, message))

    def text(self, column: str, value: Any, *, max_length: int | None = None) -> str:
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(column, "must be text")
            return ""
        text = str(value).strip()
        if max_length is not None and len(text) > max_length:
            self.fail(column, f"too long ({len(text)} characters; at most {max_length})")
        return text

    def channel(self, column: str, value: Any, *, required: bool = True) -> str:
        text = self.text(column, value)
        if not text:
            if required:
                self.fail(column, "required")
            return ""
        try:
            return services.channel_from_text(text)
        except services.InteractionError as error:
            self.fail(column, error.message.rstrip("."))
            return ""

    def role(self, column: str, value: Any) -> str:
        try:
            return services.role_from_text(self.text(column, value))
        except services.InteractionError as error:
            self.fail(column, error.message.rstrip("."))
            return ""

    def moment(self, column: str, value: Any) -> datetime | None:
        try:
            return services.datetime_from_text(self.text(column, value))
        except ValueError as error:
            self.fail(column, str(error))
            return None

    def url(self, column: str, value: Any) -> str:
        try:
            return services.clean_url(self.text(column, value), label="address")
        except services.InteractionError as error:
            self.fail(column, error.message.rstrip("."))
            return ""

    def metadata(self, column: str, value: Any, *, from_text: bool) -> dict:
        if from_text:
            text = self.text(column, value)
            if not text:
                return {}
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                self.fail(column, f"not valid JSON ({error.msg} at character {error.pos + 1})")
                return {}
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(column, 'must be a JSON object, like {"priority": "high"}')
            return {}
        return value

    def external_id(self, value: Any) -> str:
        external_id = " ".join(
            self.text("external_id", value, max_length=services.MAX_EXTERNAL_ID).split()
        )
        if not external_id:
            self.fail("external_id", "required")
        return external_id

    def interaction_values(
        self, get, *, metadata_from_text: bool, channel_required: bool = True
    ) -> dict[str, Any]:
        return {
            "channel": self.channel("channel", get("channel"), required=channel_required),
            "url": self.url("url", get("url")),
            "agent_name": " ".join(
                self.text(
                    "agent_name", get("agent_name"), max_length=services.MAX_AGENT_NAME
                ).split()
            ),
            "subject": " ".join(
                self.text("subject", get("subject"), max_length=services.MAX_SUBJECT).split()
            ),
            "occurred_at": self.moment("occurred_at", get("occurred_at")),
            "notes": self.text("notes", get("notes")),
            "recording_url": self.url("recording_url", get("recording_url")),
            "metadata": self.metadata("metadata", get("metadata"), from_text=metadata_from_text),
        }

    def message(self, prefix: str, author: Any, role: Any, sent_at: Any, body: Any):
        author_text = " ".join(
            self.text(f"{prefix}author", author, max_length=services.MAX_AUTHOR).split()
        )
        if not author_text:
            self.fail(f"{prefix}author", "a message needs an author")
        body_text = ""
        if body is not None and not isinstance(body, str):
            self.fail(f"{prefix}body", "must be text")
        else:
            body_text = services.clean_body(body)
            if not body_text.strip():
                self.fail(f"{prefix}body", "empty body: a message needs text")
        return (
            author_text,
            self.role(f"{prefix}role", role),
            self.moment(f"{prefix}sent_at", sent_at),
            body_text,
        )


# --- JSON ------------------------------------------------------------------------------------


def _parse_json(data: bytes) -> list[_Record]:
    records: list[_Record] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, item in read_json_records(data, key="interactions"):
        row = _Collector(number, errors)
        external_id = row.external_id(item.get("external_id"))
        values = row.interaction_values(item.get, metadata_from_text=False)
        messages = []
        raw_messages = item.get("messages")
        if raw_messages is None:
            raw_messages = []
        if not isinstance(raw_messages, list):
            row.fail("messages", "must be a list of messages")
            raw_messages = []
        for index, message in enumerate(raw_messages, start=1):
            prefix = f"messages[{index}]."
            if not isinstance(message, dict):
                row.fail(f"messages[{index}]", "each message must be a JSON object")
                continue
            messages.append(
                row.message(
                    prefix,
                    message.get("author"),
                    message.get("role"),
                    message.get("sent_at"),
                    message.get("body"),
                )
            )
        if external_id:
            if external_id in seen:
                earlier = seen[external_id]
                row.fail(
                    "external_id",
                    f"duplicate external id {external_id!r} (already in record {earlier})",
                )
            else:
                seen[external_id] = number
        if row.ok:
            records.append(_Record(number, external_id, values, messages))
    if errors:
        raise ImportFailed(errors)
    return records


# --- CSV -------------------------------------------------------------------------------------


def _parse_csv(data: bytes) -> list[_Record]:
    rows = read_csv_rows(data, required=REQUIRED_COLUMNS)
    errors: list[RowError] = []
    records: dict[str, _Record] = {}
    failed: set[str] = set()
    for line, cells in rows:
        row = _Collector(line, errors)
        external_id = row.external_id(cells.get("external_id", ""))
        first = records.get(external_id)
        continuation = first is not None or external_id in failed
        values = row.interaction_values(
            cells.get, metadata_from_text=True, channel_required=not continuation
        )
        message = None
        if any(cells.get(column, "") for column in MESSAGE_COLUMNS):
            message = row.message(
                "message_",
                cells.get("message_author", ""),
                cells.get("message_role", ""),
                cells.get("message_sent_at", ""),
                cells.get("message_body", ""),
            )
        if not external_id or external_id in failed:
            continue  # its errors are reported; nothing to compare with
        if first is None:
            if not row.ok:
                failed.add(external_id)
                continue
            first = records[external_id] = _Record(line, external_id, values)
        else:
            # Later rows of an interaction repeat its columns (or leave them blank).
            for column in FIELDS:
                if cells.get(column, "") and values[column] != first.values[column]:
                    row.fail(
                        column,
                        f"differs from row {first.row} for the same external_id "
                        f"{external_id!r}: the rows of one interaction must agree on "
                        f"{column} (or leave it blank)",
                    )
        if message is not None and row.ok:
            first.messages.append(message)
    if errors:
        raise ImportFailed(errors)
    return list(records.values())


# --- Zendesk JSON ticket export ----------------------------------------------------------------

_API_TICKET = re.compile(r"^(https://[^/]+)/api/v2/tickets/(\d+)\.json$")


def _parse_zendesk(data: bytes) -> list[_Record]:
    """Zendesk's JSON export: one ticket object per line, with its `comments` (authors named
    through sideloaded `users`, `requester`/`assignee` objects or each comment's `author`
    when the export has them, else by role). The record number is the line number."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed("The file is not UTF-8 text. Save it as UTF-8 and try again.") from None
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise ImportFailed("The file has no rows to import.")
    if len(lines) > settings.IMPORT_MAX_ROWS:
        raise ImportFailed(
            f"The file has {len(lines):,} tickets; the limit is {settings.IMPORT_MAX_ROWS:,} per "
            "import. Split it into smaller files."
        )
    records: list[_Record] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, line in lines:
        row = _Collector(number, errors)
        try:
            ticket = json.loads(line)
        except json.JSONDecodeError as error:
            row.fail(None, f"not a JSON ticket ({error.msg} at character {error.pos + 1})")
            continue
        if not isinstance(ticket, dict):
            row.fail(None, "each line must be one ticket (a JSON object)")
            continue
        if not isinstance(ticket.get("id"), int | str) or not str(ticket.get("id")).isdigit():
            row.fail("id", "required: the ticket number")
            continue
        comments = ticket.get("comments")
        if comments is None:
            comments = []
        if not isinstance(comments, list) or not all(isinstance(c, dict) for c in comments):
            row.fail("comments", "must be a list of comment objects")
            continue
        try:
            conversation = zendesk.ticket_conversation(
                ticket, comments, _export_users(ticket), url=_export_link(ticket)
            )
        except HelpdeskError as error:
            row.fail(None, error.message)
            continue
        given = {
            "channel": conversation.channel,
            "url": conversation.url,
            "agent_name": conversation.agent_name,
            "subject": conversation.subject,
            "occurred_at": (
                conversation.occurred_at.isoformat() if conversation.occurred_at else None
            ),
            "notes": conversation.notes,
            "recording_url": conversation.recording_url,
            "metadata": conversation.metadata,
        }
        values = row.interaction_values(given.get, metadata_from_text=False)
        messages = [
            row.message(
                f"comments[{index}].",
                msg["author"],
                msg["role"],
                msg["sent_at"].isoformat() if msg["sent_at"] else None,
                msg["body"],
            )
            for index, msg in enumerate(message_rows(conversation), start=1)
        ]
        external_id = conversation.external_id
        if external_id in seen:
            row.fail("id", f"ticket {ticket['id']} is already on line {seen[external_id]}")
        seen.setdefault(external_id, number)
        if row.ok:
            records.append(_Record(number, external_id, values, messages))
    if errors:
        raise ImportFailed(errors)
    return records


def _export_users(ticket: dict) -> dict:
    users = {}
    for item in ticket.get("users") or []:
        if isinstance(item, dict) and item.get("id") is not None:
            users[item["id"]] = item
    for key, role in (("requester", "end-user"), ("assignee", "agent"), ("submitter", None)):
        person = ticket.get(key)
        if isinstance(person, dict) and ticket.get(f"{key}_id") is not None:
            users.setdefault(ticket[f"{key}_id"], {"role": role, **person})
        elif isinstance(person, str) and person and ticket.get(f"{key}_id") is not None:
            users.setdefault(ticket[f"{key}_id"], {"name": person, "role": role})
    return users


def _export_link(ticket: dict) -> str:
    """The agent's link to the ticket, from the export's API URL."""
    match = _API_TICKET.match(str(ticket.get("url") or ""))
    return f"{match.group(1)}/agent/tickets/{match.group(2)}" if match else ""


# --- Export ----------------------------------------------------------------------------------


def export_interactions(
    *, team: Team, fmt: str, queryset: QuerySet[Interaction] | None = None
) -> bytes:
    """The team's interactions (or those of `queryset`, within the team) as JSON or CSV bytes."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown export format {fmt!r}: use json or csv.")
    interactions = Interaction.objects.filter(team=team)
    if queryset is not None:
        interactions = interactions.filter(pk__in=queryset.values("pk"))
    interactions = list(
        interactions.order_by(F("occurred_at").asc(nulls_last=True), "external_id", "pk")
    )
    messages: dict[int, list[Message]] = defaultdict(list)
    for chunk in _chunks([interaction.pk for interaction in interactions]):
        for message in Message.objects.filter(interaction_id__in=chunk).order_by(
            "interaction_id", "position"
        ):
            messages[message.interaction_id].append(message)
    if fmt == "json":
        payload = {
            "interactions": [
                _as_json(interaction, messages[interaction.pk]) for interaction in interactions
            ]
        }
        return (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode()
    return _as_csv(interactions, messages)


def _when(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


def _as_json(interaction: Interaction, messages: list[Message]) -> dict[str, Any]:
    return {
        "external_id": interaction.external_id,
        "channel": interaction.channel,
        "url": interaction.url,
        "agent_name": interaction.agent_name,
        "subject": interaction.subject,
        "occurred_at": _when(interaction.occurred_at),
        "notes": interaction.notes,
        "recording_url": interaction.recording_url,
        "metadata": interaction.metadata,
        "messages": [
            {
                "author": message.author,
                "role": message.role,
                "sent_at": _when(message.sent_at),
                "body": message.body,
            }
            for message in messages
        ],
    }


def _as_csv(interactions: list[Interaction], messages: dict[int, list[Message]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for interaction in interactions:
        head = [
            interaction.external_id,
            interaction.channel,
            interaction.url,
            interaction.agent_name,
            interaction.subject,
            _when(interaction.occurred_at) or "",
            interaction.notes,
            interaction.recording_url,
            json.dumps(interaction.metadata, ensure_ascii=False) if interaction.metadata else "",
        ]
        conversation = messages[interaction.pk]
        if not conversation:
            writer.writerow([*head, "", "", "", ""])
        for message in conversation:
            writer.writerow(
                [*head, message.author, message.role, _when(message.sent_at) or "", message.body]
            )
    return out.getvalue().encode()
