"""Writes for helpdesk connections and for bringing their conversations in.

Network first, then one transaction: a conversation is fetched whole (every page of its thread)
before anything is written, and a batch is written all or nothing, so a failure never leaves a
half-imported conversation. Conversations are upserted by external id (`zendesk:12345`) and
obey the one frozen rule (`interactions.services.conversation_frozen`): a conversation already
scored in a calibration session keeps the version reviewers read.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from teams.models import Team

from .. import services as interaction_services
from ..models import HelpdeskAuth, HelpdeskConnection, HelpdeskKind, Interaction
from .base import HelpdeskClient, split_references
from .client import HelpdeskError, HelpdeskNotFound
from .crypto import SecretsKeyMissing, decrypt_secret, encrypt_secret
from .freshdesk import FreshdeskClient
from .intercom import REGIONS, IntercomClient
from .masking import Masker
from .records import Conversation, message_rows
from .zendesk import ZendeskClient

CLIENTS: dict[str, type[HelpdeskClient]] = {
    HelpdeskKind.ZENDESK: ZendeskClient,
    HelpdeskKind.FRESHDESK: FreshdeskClient,
    HelpdeskKind.INTERCOM: IntercomClient,
}
AUTH_FOR_KIND = {
    HelpdeskKind.ZENDESK: (HelpdeskAuth.API_TOKEN, HelpdeskAuth.OAUTH),
    HelpdeskKind.FRESHDESK: (HelpdeskAuth.API_KEY,),
    HelpdeskKind.INTERCOM: (HelpdeskAuth.ACCESS_TOKEN,),
}
MAX_REFERENCES = 50
MAX_SAMPLE = 20
MAX_NAME = HelpdeskConnection._meta.get_field("name").max_length
_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DOMAIN = re.compile(r"^(?=.{1,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")


class HelpdeskNothingFound(HelpdeskError):
    """A sample found nothing to draw from (another channel may have some)."""


__all__ = [
    "HelpdeskError",
    "HelpdeskNothingFound",
    "SaveResult",
    "connection_create",
    "connection_delete",
    "connection_test",
    "conversations_fetch",
    "conversations_sample",
    "conversations_save",
    "helpdesk_import",
]


def helpdesk_client(
    *, connection: HelpdeskConnection, secret: str | None = None, sleep=None
) -> HelpdeskClient:
    """The client for a connection (its stored secret decrypted unless one is given)."""
    if secret is None:
        try:
            secret = decrypt_secret(connection.secret_encrypted)
        except SecretsKeyMissing as error:
            raise HelpdeskError(str(error)) from None
    return CLIENTS[connection.kind](connection=connection, secret=secret, sleep=sleep)


# --- Connections -----------------------------------------------------------------------------


def _clean_site(kind: str, site: str) -> str:
    value = (site or "").strip().lower()
    value = re.sub(r"^https?://", "", value).split("/", 1)[0]
    if kind == HelpdeskKind.ZENDESK:
        value = value.removesuffix(".zendesk.com")
        if not _SUBDOMAIN.match(value):
            raise HelpdeskError(
                "Give your Zendesk subdomain: acme for acme.zendesk.com (letters, digits, hyphens)."
            )
        return value
    if kind == HelpdeskKind.FRESHDESK:
        if "." not in value:
            value = f"{value}.freshdesk.com"
        if not _DOMAIN.match(value):
            raise HelpdeskError("Give your Freshdesk domain, like acme.freshdesk.com.")
        return value
    if value not in REGIONS:
        raise HelpdeskError(
            f"Choose the Intercom workspace's data region: {', '.join(REGIONS)} (US is the "
            "default)."
        )
    return value


def connection_create(
    *,
    team: Team,
    creator,
    kind: str,
    site: str,
    auth: str,
    secret: str,
    email: str = "",
    name: str = "",
    sleep=None,
) -> HelpdeskConnection:
    """Tests the credentials against the helpdesk, then saves the connection with its secret
    encrypted and who it connected as. Raises HelpdeskError (and saves nothing)."""
    if kind not in CLIENTS:
        raise HelpdeskError("Choose Zendesk, Freshdesk or Intercom.")
    label = HelpdeskKind(kind).label
    if auth not in AUTH_FOR_KIND[kind]:
        allowed = " or ".join(str(HelpdeskAuth(a).label).lower() for a in AUTH_FOR_KIND[kind])
        raise HelpdeskError(f"{label} connects with an {allowed}.")
    site = _clean_site(kind, site)
    email = " ".join((email or "").split())
    if auth == HelpdeskAuth.API_TOKEN:
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
            raise HelpdeskError("Give the email address of the Zendesk agent the token is for.")
    else:
        email = ""
    secret = (secret or "").strip()
    if not secret or len(secret) > 4000 or re.search(r"\s", secret):
        raise HelpdeskError(f"Paste the {label} token (one piece of text, no spaces).")
    name = " ".join((name or "").split()) or f"{label} {site}"
    if len(name) > MAX_NAME:
        raise HelpdeskError(f"The name is too long (at most {MAX_NAME} characters).")
    if HelpdeskConnection.objects.filter(team=team, name__iexact=name).exists():
        raise HelpdeskError(f"This team already has a connection called “{name}”.")
    try:
        encrypted = encrypt_secret(secret)
    except SecretsKeyMissing as error:
        raise HelpdeskError(str(error)) from None
    connection = HelpdeskConnection(
        team=team, kind=kind, name=name, site=site, auth=auth, email=email, created_by=creator
    )
    with helpdesk_client(connection=connection, secret=secret, sleep=sleep) as client:
        connected_as, account = client.whoami()
    connection.secret_encrypted = encrypted
    connection.connected_as = connected_as[:300]
    connection.account = account
    connection.last_checked_at = timezone.now()
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError:
        raise HelpdeskError(f"This team already has a connection called “{name}”.") from None
    return connection


def connection_test(*, connection: HelpdeskConnection, sleep=None) -> HelpdeskConnection:
    """Asks the helpdesk who the token is; records the answer. Raises HelpdeskError."""
    with helpdesk_client(connection=connection, sleep=sleep) as client:
        connected_as, account = client.whoami()
    with transaction.atomic():
        connection.connected_as = connected_as[:300]
        connection.account = account
        connection.last_checked_at = timezone.now()
        connection.save(update_fields=["connected_as", "account", "last_checked_at"])
    return connection


def connection_delete(*, connection: HelpdeskConnection) -> None:
    """Removes the connection and its secret; interactions brought in from it stay."""
    with transaction.atomic():
        connection.delete()


# --- Fetching --------------------------------------------------------------------------------


def conversations_fetch(
    *, connection: HelpdeskConnection, references: str | list[str], sleep=None
) -> list[Conversation]:
    """Reads pasted links or ids and fetches each whole thread. Network only, no writes."""
    pieces = split_references(references) if isinstance(references, str) else references
    if not pieces:
        raise HelpdeskError("Paste at least one ticket or conversation link (or id).")
    if len(pieces) > MAX_REFERENCES:
        raise HelpdeskError(f"Bring in at most {MAX_REFERENCES} conversations at a time.")
    with helpdesk_client(connection=connection, sleep=sleep) as client:
        ids = list(dict.fromkeys(client.parse_reference(piece) for piece in pieces))
        conversations = []
        for ticket_id in ids:
            try:
                conversations.append(client.fetch(ticket_id))
            except HelpdeskNotFound:
                raise HelpdeskError(
                    f"{client.label} has no {_noun(client)} {ticket_id} that this connection "
                    f"can see ({connection.connected_as or connection.name}). Nothing was "
                    "brought in."
                ) from None
            except HelpdeskError as error:
                raise HelpdeskError(f"{_noun(client).capitalize()} {ticket_id}: {error}") from None
    return conversations


def _noun(client: HelpdeskClient) -> str:
    return "conversation" if client.prefix == "intercom" else "ticket"


def conversations_sample(
    *,
    connection: HelpdeskConnection,
    size: int,
    channel: str | None = None,
    days: int = 7,
    group: str = "",
    tag: str = "",
    seed: int | None = None,
    sleep=None,
) -> list[Conversation]:
    """`size` random solved conversations of the last `days` days (of one channel, group or
    tag), leaving out those already calibrated in Concord. Network only, no writes."""
    if not 1 <= size <= MAX_SAMPLE:
        raise HelpdeskError(f"Sample between 1 and {MAX_SAMPLE} conversations.")
    if not 1 <= days <= 90:
        raise HelpdeskError("Sample from the last 1 to 90 days.")
    since = timezone.now() - timedelta(days=days)
    with helpdesk_client(connection=connection, sleep=sleep) as client:
        ids = client.search(since=since, channel=channel, group=group.strip(), tag=tag.strip())
        calibrated = set(
            Interaction.objects.filter(
                team_id=connection.team_id,
                external_id__in=[client.external_id(i) for i in ids],
                session_items__isnull=False,
            ).values_list("external_id", flat=True)
        )
        pool = sorted({i for i in ids if client.external_id(i) not in calibrated}, key=_as_number)
        if not pool:
            what = f" {channel}" if channel else ""
            raise HelpdeskNothingFound(
                f"{client.label} has no solved{what} conversations from the last {days} days "
                "that are not calibrated yet"
                + (f" (group {group})" if group else "")
                + (f" (tag {tag})" if tag else "")
                + "."
            )
        random.Random(seed).shuffle(pool)
        picked = []
        for ticket_id in pool:
            try:
                picked.append(client.fetch(ticket_id))
            except HelpdeskNotFound:
                continue  # deleted since the search: draw another
            if len(picked) == size:
                break
    return picked


def _as_number(value: str):
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


# --- Saving ----------------------------------------------------------------------------------


@dataclass
class SaveResult:
    interactions: list[Interaction] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # calibrated: their stored version stays

    @property
    def summary(self) -> str:
        total = len(self.interactions)
        noun = "conversation" if total == 1 else "conversations"
        text = (
            f"{total} {noun} brought in: {self.created} new, {self.updated} updated, "
            f"{self.unchanged} unchanged."
        )
        if self.kept:
            text += (
                f" {', '.join(self.kept)} already calibrated, so the version reviewers scored "
                "stays."
            )
        return text


def conversations_save(
    *,
    team: Team,
    conversations: list[Conversation],
    mask: bool = False,
    hide_agent_name: bool = False,
) -> SaveResult:
    """Upserts fetched conversations into the team's library, all or nothing.

    `mask` masks emails, phone numbers and card numbers before anything is stored (and notes
    it on the interaction); `hide_agent_name` hides the agent from reviewers while scoring.
    Raises HelpdeskError.
    """
    result = SaveResult()
    with transaction.atomic():
        for conversation in conversations:
            try:
                _save_one(team, conversation, mask, hide_agent_name, result)
            except interaction_services.InteractionError as error:
                raise HelpdeskError(
                    f"{conversation.external_id} could not be stored: {error.message} Nothing "
                    "was brought in."
                ) from None
    return result


def _save_one(team, conversation: Conversation, mask: bool, hide: bool, result) -> None:
    rows = message_rows(conversation)
    subject, notes = conversation.subject, conversation.notes
    privacy_note = ""
    if mask:
        masker = Masker()
        rows = [
            {**row, "author": masker(row["author"]), "body": masker(row["body"])} for row in rows
        ]
        subject, notes = masker(subject), masker(notes)
        privacy_note = masker.note
    values = {
        "channel": conversation.channel,
        "url": conversation.url,
        "agent_name": conversation.agent_name,
        "subject": subject,
        "notes": notes,
        "recording_url": conversation.recording_url,
        "occurred_at": conversation.occurred_at,
        "metadata": conversation.metadata,
    }
    if mask:
        values["privacy_note"] = privacy_note
    if hide:
        values["hide_agent_name"] = True
    existing = (
        Interaction.objects.select_for_update()
        .filter(team=team, external_id=conversation.external_id)
        .first()
    )
    if existing is None:
        interaction = interaction_services.interaction_create(
            team=team, external_id=conversation.external_id, messages=rows, **values
        )
        result.created += 1
        result.interactions.append(interaction)
        return
    old_messages = [
        (m.author, m.role, m.sent_at, m.body) for m in existing.messages.order_by("position")
    ]
    cleaned = interaction_services.clean_message_rows(rows)
    new_messages = [(r["author"], r["role"], r["sent_at"], r["body"]) for r in cleaned]
    if interaction_services.conversation_frozen(
        calibrated=existing.session_items.exists(),
        old=(existing.notes, old_messages),
        new=(values["notes"].strip(), new_messages),
    ):
        result.kept.append(conversation.external_id)
        result.unchanged += 1
        result.interactions.append(existing)
        return
    changed = old_messages != new_messages or any(
        getattr(existing, key) != (value.strip() if key == "notes" else value)
        for key, value in values.items()
    )
    if not changed:
        result.unchanged += 1
        result.interactions.append(existing)
        return
    interaction_services.interaction_update(interaction=existing, messages=rows, **values)
    result.updated += 1
    result.interactions.append(existing)


def helpdesk_import(
    *,
    connection: HelpdeskConnection,
    references: str,
    mask: bool = False,
    hide_agent_name: bool = False,
    sleep=None,
) -> SaveResult:
    """ "Bring in from helpdesk": fetch every pasted link or id, then store them all."""
    conversations = conversations_fetch(connection=connection, references=references, sleep=sleep)
    return conversations_save(
        team=connection.team,
        conversations=conversations,
        mask=mask,
        hide_agent_name=hide_agent_name,
    )
