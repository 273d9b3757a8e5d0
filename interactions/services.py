"""Writing interactions: create and edit one, and read a pasted conversation.

The value helpers (`channel_from_text`, `role_from_text`, `datetime_from_text`, `clean_url`) are
shared with the file import, so a value means the same thing typed in a form, pasted in a live
session or read from a file.
"""

from __future__ import annotations

import difflib
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from teams.models import Team

from .models import Channel, Interaction, Message, MessageRole

MAX_EXTERNAL_ID = Interaction._meta.get_field("external_id").max_length
MAX_AGENT_NAME = Interaction._meta.get_field("agent_name").max_length
MAX_SUBJECT = Interaction._meta.get_field("subject").max_length
MAX_URL = Interaction._meta.get_field("url").max_length
MAX_AUTHOR = Message._meta.get_field("author").max_length
MAX_PRIVACY_NOTE = Interaction._meta.get_field("privacy_note").max_length

PASTE_EXAMPLE = "Anna Berg (customer) [2026-10-02 09:14]: I was charged twice this month"


class InteractionError(Exception):
    """An interaction change that cannot be made; the message is shown to the user.

    `field` names the form field (and service argument) at fault, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ConversationError(InteractionError):
    """A pasted conversation that cannot be read: one message per bad line."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__(" ".join(self.errors), field="conversation_text")


# --- Values shared with the import -----------------------------------------------------------

_CHANNEL_NAMES = {
    **{value: value for value in Channel.values},
    **{label.lower(): value for value, label in Channel.choices},
    "expert session": Channel.EXPERT_SESSION,
    "expert-session": Channel.EXPERT_SESSION,
    "phone call": Channel.PHONE,
    "call": Channel.PHONE,
    "e-mail": Channel.EMAIL,
}
_ROLE_NAMES = {
    **{value: value for value in MessageRole.values},
    **{label.lower(): value for value, label in MessageRole.choices},
}
_url_validator = URLValidator(schemes=["http", "https"])


def channel_from_text(value: str) -> str:
    """'Phone call', 'phone', 'PHONE' -> 'phone'; raises InteractionError for anything else."""
    key = " ".join(str(value or "").split()).lower()
    if not key:
        raise InteractionError("Choose a channel.", field="channel")
    channel = _CHANNEL_NAMES.get(key) or _CHANNEL_NAMES.get(key.replace("_", " "))
    if channel is None:
        raise InteractionError(
            f"Unknown channel {value!r}: use {', '.join(Channel.values)}.", field="channel"
        )
    return str(channel)


def role_from_text(value: str | None) -> str:
    """'Agent', 'agent' -> 'agent'; blank -> 'other'; raises InteractionError otherwise."""
    key = str(value or "").strip().lower()
    if not key:
        return MessageRole.OTHER.value
    role = _ROLE_NAMES.get(key)
    if role is None:
        raise InteractionError(f"Unknown role {value!r}: use {', '.join(MessageRole.values)}.")
    return str(role)


def datetime_from_text(value: str | datetime | date | None) -> datetime | None:
    """ISO 8601 ('2026-10-02T09:14:00+02:00', '2026-10-02 09:14', '2026-10-02') -> aware datetime.

    Times without an offset are in the site's time zone. Blank -> None. Raises ValueError with
    a readable message when the text is not a date and time.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time())
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            parsed = parse_datetime(text.replace("z", "Z"))
            if parsed is None:
                day = parse_date(text)
                parsed = datetime.combine(day, time()) if day else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError(
                f"cannot read {text!r} as a date and time: use ISO 8601, "
                "for example 2026-10-02T09:14:00+02:00 or 2026-10-02 09:14"
            )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def clean_url(value: str | None, *, label: str = "link", field: str | None = None) -> str:
    """Blank or a valid http(s) URL of at most 500 characters."""
    url = str(value or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL:
        raise InteractionError(
            f"The {label} is too long ({len(url)} characters; at most {MAX_URL}).", field=field
        )
    try:
        _url_validator(url)
    except ValidationError:
        raise InteractionError(
            f"The {label} {url!r} is not a valid web address (it must start with http:// "
            "or https://).",
            field=field,
        ) from None
    return url


# --- Pasted conversations --------------------------------------------------------------------

# "Author (role) [2026-10-02 09:14]: text" — the role and the time are each optional. An author
# with parentheses, brackets or a colon in it is written in double quotes ("" for a quote).
_HEADER = re.compile(
    r"""^(?:"(?P<quoted>(?:[^"]|"")+)"|(?P<author>[^\s:()\[\]"][^:()\[\]]*?))\s*
        (?:\((?P<role>[^()]*)\)\s*)?
        (?:\[(?P<time>[^\[\]]*)\]\s*)?
        :(?:\s+|$)(?P<body>.*)$""",
    re.VERBOSE,
)
_TIME_LIKE = re.compile(r"^\d{1,4}[-/.:]\d")  # "[2026-10-02 09:14]", "[09:14]"; not "[1]"
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?$")
_PLAIN_AUTHOR = re.compile(r"^[^\s:()\[\]\"][^:()\[\]]*$")
_INDENT = " "  # what format_conversation puts before a body line that looks like a message line


@dataclass
class _Draft:
    line: int
    author: str
    role: str
    sent_at: datetime | None
    lines: list[str]


def clean_body(text: str) -> str:
    """A message body as stored: LF newlines, no trailing spaces, no blank lines around it."""
    lines = str(text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _looks_like_a_role(word: str) -> bool:
    """A misspelt role ("agnet", "costumer", "cust"), as opposed to any word in parentheses."""
    word = word.strip().lower()
    if not word.isalpha() or word in _ROLE_NAMES:
        return False
    for role in _ROLE_NAMES:
        if len(word) >= 4 and (role.startswith(word) or word.startswith(role)):
            return True
    return bool(difflib.get_close_matches(word, list(_ROLE_NAMES), n=1, cutoff=0.75))


def _message_line(line: str):
    """The header match when `line` starts a message (or is a wrong message line), else None."""
    stripped = line.strip()
    header = _HEADER.match(stripped) if stripped else None
    if header is None:
        return None
    role_text, time_text = header["role"], header["time"]
    if role_text is not None and (
        role_text.strip().lower() in _ROLE_NAMES or _looks_like_a_role(role_text)
    ):
        return header
    if time_text is not None and _TIME_LIKE.match(time_text.strip()):
        return header
    return None


def parse_conversation(text: str, *, default_date: date | None = None) -> list[dict[str, Any]]:
    """Reads a pasted conversation into message dicts (author, role, sent_at, body).

    A message starts on a line `Author (role) [YYYY-MM-DD HH:MM]: text` that names a known role
    or a time (or both); an author with parentheses, brackets or a colon is quoted:
    `"Anna Berg (Acme Ltd)" (customer): text`. Every other line, blank lines included,
    continues the body of the message above it, so "Note: ..." or "See [1]: ..." inside an email
    stays text. A line that starts with a space never starts a message: one leading space is
    dropped from such a line when it looks like a message line (that is how format_conversation
    keeps it in the body). A message line with a misspelt role (`Sam (agnet): hi`) is an error,
    not text. `[09:14]` alone takes the date of `default_date`. Raises ConversationError naming
    every bad line.
    """
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    drafts: list[_Draft] = []
    errors: list[str] = []
    for number, raw in enumerate(lines, start=1):
        indented = raw[:1] in (" ", "\t")
        if drafts and indented:
            escaped = raw.startswith(_INDENT) and _message_line(raw) is not None
            drafts[-1].lines.append((raw[len(_INDENT) :] if escaped else raw).rstrip())
            continue
        stripped = raw.strip()
        header = _message_line(raw)
        if header is None and not drafts and stripped:
            # The first message line may be wrong in any way: say how rather than skip it.
            header = _HEADER.match(stripped)
        if header is not None:
            if header["role"] is None and header["time"] is None:
                errors.append(
                    f"Line {number}: a message line names a role in parentheses or a time in "
                    f"brackets (or both), like “{PASTE_EXAMPLE}”."
                )
            drafts.append(_start_message(header, number, default_date, errors))
        elif drafts:
            drafts[-1].lines.append(raw.rstrip())
        elif stripped:
            errors.append(
                f"Line {number}: expected the start of a message, like “{PASTE_EXAMPLE}”."
            )
    messages = []
    for draft in drafts:
        body = "\n".join(draft.lines).strip("\n").rstrip()
        if not body.strip():
            errors.append(f"Line {draft.line}: the message from {draft.author} has no text.")
            continue
        messages.append(
            {"author": draft.author, "role": draft.role, "sent_at": draft.sent_at, "body": body}
        )
    if errors:
        raise ConversationError(errors)
    return messages


def _start_message(header, number: int, default_date: date | None, errors: list[str]) -> _Draft:
    raw_author = header["author"] if header["quoted"] is None else header["quoted"]
    author = " ".join(raw_author.replace('""', '"').split())
    if not author:
        errors.append(f"Line {number}: the message line has no author.")
    if len(author) > MAX_AUTHOR:
        errors.append(f"Line {number}: the author name is longer than {MAX_AUTHOR} characters.")
        author = author[:MAX_AUTHOR]
    try:
        role = role_from_text(header["role"])
    except InteractionError:
        errors.append(
            f"Line {number}: unknown role {header['role'].strip()!r} "
            f"(use {', '.join(MessageRole.values)})."
        )
        role = MessageRole.OTHER.value
    sent_at = None
    time_text = (header["time"] or "").strip()
    if time_text:
        if _TIME_ONLY.match(time_text):
            if default_date is None:
                errors.append(
                    f"Line {number}: the time [{time_text}] has no date; write it as "
                    "[YYYY-MM-DD HH:MM] or set when the interaction happened."
                )
            else:
                time_text = f"{default_date.isoformat()} {time_text}"
        if not _TIME_ONLY.match(time_text):
            try:
                sent_at = datetime_from_text(time_text)
            except ValueError:
                errors.append(
                    f"Line {number}: cannot read the time [{time_text}]: use [YYYY-MM-DD HH:MM]."
                )
    first = header["body"].rstrip()
    return _Draft(line=number, author=author, role=role, sent_at=sent_at, lines=[first])


def format_conversation(messages) -> str:
    """The paste format of existing messages (for the edit form).

    parse_conversation reads it back to the same messages: authors that would not read back are
    quoted, body lines that look like a message line are indented by one space, a body that
    starts with spaces starts on the line after its header, and times keep their seconds (and
    their offset when the local time alone is ambiguous).
    """
    blocks = []
    for message in messages:
        author, role, sent_at, body = _message_parts(message)
        author = " ".join(str(author).split())
        if not _PLAIN_AUTHOR.match(author):
            author = '"' + author.replace('"', '""') + '"'
        stamp = f" [{_format_time(sent_at)}]" if sent_at is not None else ""
        header = f"{author} ({role}){stamp}:"
        lines = clean_body(body).split("\n")
        if not lines[0][:1].isspace():  # else the body starts on the next line, as it is
            header = f"{header} {lines.pop(0)}"
        escaped = [_INDENT + line if _message_line(line) else line for line in lines]
        blocks.append("\n".join([header, *escaped]))
    return "\n\n".join(blocks)


def _format_time(sent_at: datetime) -> str:
    local = timezone.localtime(sent_at)
    shape = "%Y-%m-%d %H:%M"
    if local.microsecond:
        shape = "%Y-%m-%d %H:%M:%S.%f"
    elif local.second:
        shape = "%Y-%m-%d %H:%M:%S"
    text = local.strftime(shape)
    try:
        reads_back = datetime_from_text(text) == sent_at
    except ValueError:
        reads_back = False
    if not reads_back:  # the hour repeated when the clocks go back
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


def _message_parts(message) -> tuple[str, str, datetime | None, str]:
    if isinstance(message, dict):
        return message["author"], message["role"], message.get("sent_at"), message["body"]
    return message.author, message.role, message.sent_at, message.body


# --- Create and update -----------------------------------------------------------------------


class _Unset:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unset()


def conversation_frozen(*, calibrated: bool, old: tuple, new: tuple) -> bool:
    """The one rule for edits and re-imports alike: what reviewers read when they scored (the
    messages and the notes, as `(notes, [(author, role, sent_at, body), ...])`) must not
    change under their session once the interaction has been calibrated."""
    return calibrated and old != new


def interaction_create(
    *,
    team: Team,
    channel: str,
    external_id: str = "",
    url: str = "",
    agent_name: str = "",
    subject: str = "",
    notes: str = "",
    recording_url: str = "",
    occurred_at: datetime | None = None,
    metadata: dict | None = None,
    messages: list[dict] | None = None,
    conversation_text: str = "",
    hide_agent_name: bool = False,
    privacy_note: str = "",
) -> Interaction:
    """Adds one interaction to the team, with its messages given as dicts or as pasted text.

    A blank external id gets a generated one ("manual-1a2b3c4d"). When `occurred_at` is not
    given it is the time of the first timed message. Raises InteractionError.
    """
    values = _clean_values(
        channel=channel,
        external_id=external_id,
        url=url,
        agent_name=agent_name,
        subject=subject,
        notes=notes,
        recording_url=recording_url,
        occurred_at=occurred_at,
        metadata=metadata,
        hide_agent_name=hide_agent_name,
        privacy_note=privacy_note,
    )
    if not values["external_id"]:
        values["external_id"] = f"manual-{uuid.uuid4().hex[:8]}"
    rows = _clean_messages(
        messages=messages, conversation_text=conversation_text, occurred_at=values["occurred_at"]
    )
    if values["occurred_at"] is None:
        values["occurred_at"] = first_message_time(rows)
    _ensure_something_to_review(values, rows)
    with transaction.atomic():
        _ensure_external_id_free(team=team, external_id=values["external_id"])
        try:
            with transaction.atomic():
                interaction = Interaction.objects.create(team=team, **values)
        except IntegrityError:
            raise _duplicate(values["external_id"]) from None
        _write_messages(interaction, rows)
    return interaction


def interaction_update(
    *,
    interaction: Interaction,
    channel: str = UNCHANGED,
    external_id: str = UNCHANGED,
    url: str = UNCHANGED,
    agent_name: str = UNCHANGED,
    subject: str = UNCHANGED,
    notes: str = UNCHANGED,
    recording_url: str = UNCHANGED,
    occurred_at: datetime | None = UNCHANGED,
    metadata: dict | None = UNCHANGED,
    messages: list[dict] | None = UNCHANGED,
    conversation_text: str = UNCHANGED,
    hide_agent_name: bool = UNCHANGED,
    privacy_note: str = UNCHANGED,
) -> Interaction:
    """Changes the given fields (the others stay as they are). Raises InteractionError.

    Giving `messages` or `conversation_text` replaces the whole conversation (an empty one
    removes it); identical messages are left untouched. A blank external id keeps the old one.
    """
    current = {
        "channel": interaction.channel,
        "external_id": interaction.external_id,
        "url": interaction.url,
        "agent_name": interaction.agent_name,
        "subject": interaction.subject,
        "notes": interaction.notes,
        "recording_url": interaction.recording_url,
        "occurred_at": interaction.occurred_at,
        "metadata": interaction.metadata,
        "hide_agent_name": interaction.hide_agent_name,
        "privacy_note": interaction.privacy_note,
    }
    given = {
        "channel": channel,
        "external_id": external_id,
        "url": url,
        "agent_name": agent_name,
        "subject": subject,
        "notes": notes,
        "recording_url": recording_url,
        "occurred_at": occurred_at,
        "metadata": metadata,
        "hide_agent_name": hide_agent_name,
        "privacy_note": privacy_note,
    }
    merged = {key: current[key] if value is UNCHANGED else value for key, value in given.items()}
    values = _clean_values(**merged)
    if not values["external_id"]:
        values["external_id"] = interaction.external_id
    replace_messages = messages is not UNCHANGED or conversation_text is not UNCHANGED
    rows = None
    if replace_messages:
        rows = _clean_messages(
            messages=None if messages is UNCHANGED else messages,
            conversation_text="" if conversation_text is UNCHANGED else conversation_text,
            occurred_at=values["occurred_at"],
        )
    with transaction.atomic():
        content = (messages, conversation_text, notes, recording_url, url)
        if any(value is not UNCHANGED for value in content):
            # Only a change to what there is to review may leave nothing (an interaction
            # imported from history starts empty and can still be renamed).
            kept = rows if rows is not None else interaction.messages.exists()
            _ensure_something_to_review(values, kept)
        if values["external_id"] != interaction.external_id:
            _ensure_external_id_free(
                team=interaction.team, external_id=values["external_id"], exclude=interaction.pk
            )
        for key, value in values.items():
            setattr(interaction, key, value)
        try:
            with transaction.atomic():
                interaction.save()
        except IntegrityError:
            raise _duplicate(values["external_id"]) from None
        existing = [_message_parts(m) for m in interaction.messages.order_by("position")]
        wanted = existing if rows is None else [_message_parts(row) for row in rows]
        if conversation_frozen(
            calibrated=interaction.session_items.exists(),
            old=(current["notes"], existing),
            new=(values["notes"], wanted),
        ):
            raise InteractionError(
                "This interaction was already scored in a calibration session, so its "
                "conversation cannot change. Create a new interaction for the new version.",
                field="conversation_text" if rows is not None else "notes",
            )
        if rows is not None and existing != wanted:
            interaction.messages.all().delete()
            _write_messages(interaction, rows)
    return interaction


NOTHING_TO_REVIEW = (
    "Give reviewers something to review: paste the conversation, or add a transcript or notes, "
    "a recording link or the link in the helpdesk."
)


def _ensure_something_to_review(values: dict[str, Any], messages) -> None:
    """An interaction with no messages, notes, recording or helpdesk link is an empty record."""
    if not (messages or values["notes"] or values["recording_url"] or values["url"]):
        raise InteractionError(NOTHING_TO_REVIEW)


def first_message_time(rows: list[dict]) -> datetime | None:
    times = [row["sent_at"] for row in rows if row.get("sent_at") is not None]
    return min(times) if times else None


def _clean_values(
    *,
    channel,
    external_id,
    url,
    agent_name,
    subject,
    notes,
    recording_url,
    occurred_at,
    metadata,
    hide_agent_name=False,
    privacy_note="",
) -> dict[str, Any]:
    external_id = " ".join(str(external_id or "").split())
    if len(external_id) > MAX_EXTERNAL_ID:
        raise InteractionError(
            f"The external id is too long (at most {MAX_EXTERNAL_ID} characters).",
            field="external_id",
        )
    agent_name = " ".join(str(agent_name or "").split())
    if len(agent_name) > MAX_AGENT_NAME:
        raise InteractionError(
            f"The agent name is too long (at most {MAX_AGENT_NAME} characters).",
            field="agent_name",
        )
    subject = " ".join(str(subject or "").split())
    if len(subject) > MAX_SUBJECT:
        raise InteractionError(
            f"The subject is too long (at most {MAX_SUBJECT} characters).", field="subject"
        )
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise InteractionError("Metadata must be a set of named values (a JSON object).")
    if occurred_at is not None and not isinstance(occurred_at, datetime):
        raise InteractionError("When it happened must be a date and time.", field="occurred_at")
    if occurred_at is not None and timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    return {
        "channel": channel_from_text(channel),
        "external_id": external_id,
        "url": clean_url(url, label="helpdesk link", field="url"),
        "agent_name": agent_name,
        "subject": subject,
        "notes": str(notes or "").strip(),
        "recording_url": clean_url(recording_url, label="recording link", field="recording_url"),
        "occurred_at": occurred_at,
        "metadata": metadata,
        "hide_agent_name": bool(hide_agent_name),
        "privacy_note": " ".join(str(privacy_note or "").split())[:MAX_PRIVACY_NOTE],
    }


def clean_message_rows(messages: list[dict]) -> list[dict]:
    """Message dicts as interaction_create would store them; raises ConversationError."""
    return _clean_messages(messages=messages, conversation_text="", occurred_at=None)


def _clean_messages(
    *, messages: list[dict] | None, conversation_text: str, occurred_at: datetime | None
) -> list[dict]:
    text = str(conversation_text or "")
    if messages and text.strip():
        raise InteractionError(
            "Give the conversation either as messages or as pasted text, not both.",
            field="conversation_text",
        )
    if text.strip():
        default_date = timezone.localtime(occurred_at).date() if occurred_at else None
        return parse_conversation(text, default_date=default_date)
    rows = []
    errors = []
    for number, message in enumerate(messages or [], start=1):
        if not isinstance(message, dict):
            errors.append(f"Message {number}: expected author, role, sent_at and body.")
            continue
        author = " ".join(str(message.get("author") or "").split())
        body = clean_body(message.get("body"))
        if not author:
            errors.append(f"Message {number}: give an author.")
        elif len(author) > MAX_AUTHOR:
            errors.append(f"Message {number}: the author is longer than {MAX_AUTHOR} characters.")
        if not body.strip():
            errors.append(f"Message {number}: the message has no text.")
        try:
            role = role_from_text(message.get("role"))
        except InteractionError as error:
            errors.append(f"Message {number}: {error.message}")
            role = MessageRole.OTHER.value
        try:
            sent_at = datetime_from_text(message.get("sent_at"))
        except ValueError as error:
            errors.append(f"Message {number}: {error}.")
            sent_at = None
        rows.append({"author": author, "role": role, "sent_at": sent_at, "body": body})
    if errors:
        raise ConversationError(errors)
    return rows


def _ensure_external_id_free(*, team: Team, external_id: str, exclude: int | None = None) -> None:
    taken = Interaction.objects.filter(team=team, external_id=external_id)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _duplicate(external_id)


def _duplicate(external_id: str) -> InteractionError:
    return InteractionError(
        f"An interaction with the external id {external_id!r} already exists in this team.",
        field="external_id",
    )


def _write_messages(interaction: Interaction, rows: list[dict]) -> None:
    Message.objects.bulk_create(
        [
            Message(
                interaction=interaction,
                position=position,
                author=row["author"],
                role=row["role"],
                sent_at=row["sent_at"],
                body=row["body"],
            )
            for position, row in enumerate(rows, start=1)
        ]
    )


def interactions_create_references(
    *, team: Team, channels: dict[str, str], subject: str = ""
) -> list[Interaction]:
    """Interactions known only by their helpdesk id and channel (`{external id: channel}`), as
    past sessions in a spreadsheet name them. Unlike `interaction_create` they have nothing to
    review yet (no messages, notes or links): the conversation can be added later on the
    interaction's page. The ids must be new to the team; one insert per thousand."""
    new = []
    for external_id, channel in channels.items():
        values = _clean_values(
            channel=channel,
            external_id=external_id,
            url="",
            agent_name="",
            subject=subject,
            notes="",
            recording_url="",
            occurred_at=None,
            metadata=None,
        )
        if not values["external_id"]:
            raise InteractionError("Give each interaction its external id.", field="external_id")
        new.append(Interaction(team=team, **values))
    try:
        with transaction.atomic():
            return Interaction.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:
        raise InteractionError(
            "One of these external ids is already taken in this team.", field="external_id"
        ) from None
