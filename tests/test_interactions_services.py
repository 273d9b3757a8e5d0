from datetime import UTC, date, datetime

import pytest

from interactions import services
from interactions.models import Channel, Interaction, Message, MessageRole

from .factories import InteractionFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db


PASTED = """Anna Berg (customer) [2026-10-02 09:14]: Hello, I was charged twice.
My order is 48213.

Note: the second charge came a minute later.
Sam Ortiz (agent) [2026-10-02 09:20]: Sorry about that!
  I have refunded it.
Helpdesk (system): Ticket closed.
"""


# --- parse_conversation ----------------------------------------------------------------------


def test_parse_conversation_reads_authors_roles_times_and_multiline_bodies():
    messages = services.parse_conversation(PASTED)

    assert [(m["author"], m["role"]) for m in messages] == [
        ("Anna Berg", "customer"),
        ("Sam Ortiz", "agent"),
        ("Helpdesk", "system"),
    ]
    assert messages[0]["sent_at"] == datetime(2026, 10, 2, 9, 14, tzinfo=UTC)
    assert messages[0]["body"] == (
        "Hello, I was charged twice.\nMy order is 48213.\n\n"
        "Note: the second charge came a minute later."
    )
    assert messages[1]["body"] == "Sorry about that!\n  I have refunded it."
    assert messages[2]["sent_at"] is None


def test_parse_conversation_accepts_role_labels_in_any_case_and_time_only_with_a_date():
    messages = services.parse_conversation(
        "Sam (Agent) [09:30]: on it\nBob (CUSTOMER) [2026-10-02T10:00:00+02:00]: thanks",
        default_date=date(2026, 10, 2),
    )

    assert [m["role"] for m in messages] == ["agent", "customer"]
    assert messages[0]["sent_at"] == datetime(2026, 10, 2, 9, 30, tzinfo=UTC)
    assert messages[1]["sent_at"] == datetime(2026, 10, 2, 8, 0, tzinfo=UTC)


def test_parse_conversation_keeps_brackets_and_colons_inside_a_body_as_text():
    messages = services.parse_conversation(
        "Anna (customer): see the docs\nSee [1]: https://example.com\nWhy: because"
    )

    assert len(messages) == 1
    assert messages[0]["body"] == "see the docs\nSee [1]: https://example.com\nWhy: because"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello there", "Line 1: expected the start of a message"),
        ("Anna (boss) [2026-10-02 09:14]: hi", "Line 1: unknown role 'boss'"),
        ("Anna (customer) [2026-13-02 09:14]: hi", "Line 1: cannot read the time [2026-13-02"),
        ("Anna (customer): hi\n\nSam (agent):", "Line 3: the message from Sam has no text"),
        ("Anna: hi", "Line 1: a message line names a role"),
        ("Anna (customer) [09:14]: hi", "Line 1: the time [09:14] has no date"),
    ],
)
def test_parse_conversation_errors_name_the_line(text, expected):
    with pytest.raises(services.ConversationError) as failure:
        services.parse_conversation(text)

    assert any(error.startswith(expected) for error in failure.value.errors), failure.value.errors
    assert failure.value.field == "conversation_text"


def test_parse_conversation_reports_every_bad_line_at_once():
    with pytest.raises(services.ConversationError) as failure:
        services.parse_conversation(
            "A (boss) [2026-10-02 09:00]: x\nB (agent) [2026-99-01 09:00]: y"
        )

    assert [error[:6] for error in failure.value.errors] == ["Line 1", "Line 2"]


def test_format_conversation_round_trips_through_parse():
    messages = services.parse_conversation(PASTED + "Tom (agent) [2026-10-02 09:31:20]: ok")

    assert services.parse_conversation(services.format_conversation(messages)) == messages


# --- interaction_create ----------------------------------------------------------------------


def test_interaction_create_from_pasted_text_stores_messages_in_order():
    team = TeamFactory()

    interaction = services.interaction_create(
        team=team,
        channel="Email",
        external_id="ZD-1",
        url="https://helpdesk.example.com/tickets/1",
        agent_name="Sam Ortiz",
        subject="Charged twice",
        conversation_text=PASTED,
    )

    assert interaction.channel == Channel.EMAIL
    assert interaction.team == team
    stored = list(interaction.messages.order_by("position"))
    assert [m.author for m in stored] == ["Anna Berg", "Sam Ortiz", "Helpdesk"]
    assert [m.position for m in stored] == [1, 2, 3]
    # No occurred_at given: the first message's time.
    assert interaction.occurred_at == datetime(2026, 10, 2, 9, 14, tzinfo=UTC)


def test_interaction_create_from_message_dicts():
    team = TeamFactory()

    interaction = services.interaction_create(
        team=team,
        channel="phone",
        external_id="CALL-1",
        recording_url="https://recordings.example.com/1.mp3",
        notes="Transcript...",
        occurred_at=datetime(2026, 10, 9, 16, 5, tzinfo=UTC),
        metadata={"queue": "Retention"},
        messages=[
            {"author": "Tom", "role": "Agent", "sent_at": "2026-10-09T16:06:00Z", "body": "Hi"},
            {"author": "Eva", "body": "Hello"},
        ],
    )

    stored = list(interaction.messages.order_by("position"))
    assert [(m.author, m.role) for m in stored] == [("Tom", "agent"), ("Eva", "other")]
    assert stored[0].sent_at == datetime(2026, 10, 9, 16, 6, tzinfo=UTC)
    assert interaction.metadata == {"queue": "Retention"}


def test_interaction_create_generates_an_external_id_when_blank():
    team = TeamFactory()

    first = services.interaction_create(team=team, channel="chat", external_id="  ", notes="n")
    second = services.interaction_create(team=team, channel="chat", notes="n")

    assert first.external_id.startswith("manual-")
    assert first.external_id != second.external_id


def test_interaction_create_refuses_a_duplicate_external_id_in_the_team():
    existing = InteractionFactory(external_id="ZD-7")

    with pytest.raises(services.InteractionError, match="'ZD-7' already exists") as failure:
        services.interaction_create(
            team=existing.team, channel="email", external_id="ZD-7", notes="n"
        )

    assert failure.value.field == "external_id"
    assert Interaction.objects.filter(team=existing.team).count() == 1


def test_the_same_external_id_is_fine_in_another_team():
    InteractionFactory(external_id="ZD-7")

    interaction = services.interaction_create(
        team=TeamFactory(), channel="email", external_id="ZD-7", notes="n"
    )

    assert interaction.pk is not None


@pytest.mark.parametrize(
    ("kwargs", "message", "field"),
    [
        ({"channel": "fax"}, "Unknown channel 'fax'", "channel"),
        ({"channel": "email", "url": "not a url"}, "not a valid web address", "url"),
        (
            {"channel": "email", "url": "javascript:alert(1)"},
            "not a valid web address",
            "url",
        ),
        (
            {"channel": "phone", "recording_url": "ftp://x.example.com/a"},
            "recording link",
            "recording_url",
        ),
        ({"channel": "email", "subject": "x" * 301}, "subject is too long", "subject"),
        ({"channel": "email", "metadata": ["a"]}, "Metadata must be", None),
        (
            {"channel": "email", "conversation_text": "oops"},
            "Line 1: expected the start",
            "conversation_text",
        ),
        (
            {"channel": "email", "messages": [{"author": "A", "body": ""}]},
            "Message 1: the message has no text",
            "conversation_text",
        ),
        (
            {
                "channel": "email",
                "messages": [{"author": "A", "body": "x"}],
                "conversation_text": "A (agent): y",
            },
            "not both",
            "conversation_text",
        ),
    ],
)
def test_interaction_create_bad_input_is_refused_and_nothing_is_written(kwargs, message, field):
    team = TeamFactory()

    with pytest.raises(services.InteractionError, match=message) as failure:
        services.interaction_create(team=team, external_id="X-1", **kwargs)

    assert failure.value.field == field
    assert not Interaction.objects.filter(team=team).exists()
    assert not Message.objects.exists()


# --- interaction_update ----------------------------------------------------------------------


def test_interaction_update_changes_only_given_fields():
    interaction = InteractionFactory(subject="Old", agent_name="Sam")
    MessageFactory(interaction=interaction, position=1)

    services.interaction_update(interaction=interaction, subject="New")

    interaction.refresh_from_db()
    assert interaction.subject == "New"
    assert interaction.agent_name == "Sam"
    assert interaction.messages.count() == 1


def test_interaction_update_replaces_the_conversation():
    interaction = InteractionFactory()
    MessageFactory(interaction=interaction, position=1, body="old")

    services.interaction_update(
        interaction=interaction, conversation_text="Sam (agent): new one\nAnna (customer): ok"
    )

    assert list(interaction.messages.order_by("position").values_list("body", flat=True)) == [
        "new one",
        "ok",
    ]


def test_interaction_update_leaves_identical_messages_untouched():
    interaction = services.interaction_create(
        team=TeamFactory(), channel="chat", external_id="C-1", conversation_text=PASTED
    )
    ids = list(interaction.messages.values_list("pk", flat=True))

    services.interaction_update(
        interaction=interaction,
        conversation_text=services.format_conversation(interaction.messages.all()),
    )

    assert list(interaction.messages.values_list("pk", flat=True)) == ids


def test_interaction_update_refuses_taking_another_interactions_external_id():
    interaction = InteractionFactory(external_id="A-1")
    InteractionFactory(team=interaction.team, external_id="A-2")

    with pytest.raises(services.InteractionError, match="already exists"):
        services.interaction_update(interaction=interaction, external_id="A-2")

    interaction.refresh_from_db()
    assert interaction.external_id == "A-1"


def test_interaction_update_bad_conversation_changes_nothing():
    interaction = InteractionFactory(subject="Old")
    MessageFactory(interaction=interaction, position=1, body="kept")

    with pytest.raises(services.ConversationError):
        services.interaction_update(
            interaction=interaction, subject="New", conversation_text="no header here"
        )

    interaction.refresh_from_db()
    assert interaction.subject == "Old"
    assert list(interaction.messages.values_list("body", flat=True)) == ["kept"]


def test_channel_and_role_helpers_accept_labels():
    assert services.channel_from_text("Phone call") == "phone"
    assert services.channel_from_text("expert session") == "expert_session"
    assert services.channel_from_text("EXPERT_SESSION") == "expert_session"
    assert services.role_from_text("") == MessageRole.OTHER
    assert services.role_from_text("System") == "system"


def test_a_calibrated_interactions_conversation_cannot_change():
    from interactions.services import InteractionError, interaction_update

    from .factories import SessionWorld

    world = SessionWorld()
    interaction = world.interactions[0]

    with pytest.raises(InteractionError, match="already scored in a calibration session"):
        interaction_update(
            interaction=interaction, conversation_text="Customer (customer): Something else"
        )
    updated = interaction_update(interaction=interaction, agent_name="Renamed Agent")

    assert updated.agent_name == "Renamed Agent"
    assert not interaction.messages.exists()


# --- Paste format: round trip and mistakes ----------------------------------------------------

TRICKY = [
    {
        "author": "Anna Berg (Acme Ltd)",
        "role": "customer",
        "sent_at": datetime(2026, 10, 2, 9, 14, 37, 250000, tzinfo=UTC),
        "body": "Hello,\nBot (system): this line was quoted from the chat\n\nSee [1]: the docs",
    },
    {
        "author": "Support: Tier 2",
        "role": "agent",
        "sent_at": None,
        "body": "   indented first line\n  Sam (agent) [2026-10-02 09:20]: quoted, indented\nOK",
    },
    {
        "author": '"Quoted" [nick]',
        "role": "other",
        "sent_at": datetime(2026, 10, 2, 9, 30, tzinfo=UTC),
        "body": (
            "Tom (agnet): a typo, quoted\n\\Bob (customer): a backslash\n\tAnna (customer): tab"
        ),
    },
    {"author": "Helpdesk", "role": "system", "sent_at": None, "body": "Sam (agent): as text"},
]


def test_format_conversation_round_trips_tricky_authors_and_bodies():
    text = services.format_conversation(TRICKY)

    assert services.parse_conversation(text) == TRICKY
    assert text.startswith('"Anna Berg (Acme Ltd)" (customer) [2026-10-02 09:14:37.250000]: Hello,')
    assert "\n Bot (system): this line was quoted" in text  # indented: stays in the body
    assert '"Support: Tier 2" (agent):\n   indented first line' in text


def test_format_conversation_keeps_the_offset_of_a_time_in_the_repeated_hour(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    messages = [
        # 02:30 happens twice on 25 October 2026 in Berlin: CEST (00:30 UTC), then CET.
        {
            "author": "A",
            "role": "agent",
            "sent_at": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            "body": "first",
        },
        {
            "author": "A",
            "role": "agent",
            "sent_at": datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            "body": "second",
        },
    ]

    text = services.format_conversation(messages)

    assert services.parse_conversation(text) == messages
    # In the repeated hour the local time alone is ambiguous: both carry their offset.
    assert "[2026-10-25 02:30+02:00]" in text and "[2026-10-25 02:30+01:00]" in text
    assert "[2026-10-25 04:00]" in services.format_conversation(
        [
            {
                "author": "A",
                "role": "agent",
                "sent_at": datetime(2026, 10, 25, 3, tzinfo=UTC),
                "body": "after",
            }
        ]
    )


def test_an_indented_message_line_continues_the_message_above():
    messages = services.parse_conversation("Anna (customer): hi\n Bot (system): quoted\n  x")

    assert len(messages) == 1
    assert messages[0]["body"] == "hi\nBot (system): quoted\n  x"


def test_a_quoted_author_may_hold_parentheses_and_colons():
    messages = services.parse_conversation('"Support: Tier 2 (EU)" (agent): hello')

    assert messages[0]["author"] == "Support: Tier 2 (EU)"
    assert messages[0]["role"] == "agent"


def test_a_misspelt_role_is_an_error_not_text():
    with pytest.raises(services.ConversationError) as failure:
        services.parse_conversation("Anna (customer): hi\nSam (agnet): hello")

    assert failure.value.errors == [
        "Line 2: unknown role 'agnet' (use customer, agent, bot, system, other)."
    ]


def test_a_word_in_parentheses_that_is_not_like_a_role_stays_text():
    messages = services.parse_conversation("Anna (customer): hi\nInvoice (March): paid in full")

    assert messages[0]["body"] == "hi\nInvoice (March): paid in full"


def test_interaction_create_with_nothing_to_review_is_refused_and_writes_nothing():
    team = TeamFactory()

    with pytest.raises(services.InteractionError, match="Give reviewers something to review"):
        services.interaction_create(team=team, channel="email", subject="Empty")

    assert not Interaction.objects.filter(team=team).exists()


@pytest.mark.parametrize(
    "content",
    [
        {"notes": "Customer asked for a refund."},
        {"recording_url": "https://rec.example.com/1.mp3"},
        {"url": "https://helpdesk.example.com/tickets/1"},
        {"conversation_text": "Anna (customer): hi"},
    ],
)
def test_interaction_create_needs_one_thing_to_review(content):
    interaction = services.interaction_create(team=TeamFactory(), channel="phone", **content)

    assert interaction.pk is not None


def test_interaction_update_cannot_remove_the_last_thing_to_review():
    interaction = InteractionFactory(url="", notes="Only notes", recording_url="")

    with pytest.raises(services.InteractionError, match="Give reviewers something to review"):
        services.interaction_update(interaction=interaction, notes="")

    interaction.refresh_from_db()
    assert interaction.notes == "Only notes"


def test_an_empty_interaction_from_history_can_still_be_renamed():
    interaction = InteractionFactory(url="", notes="", recording_url="", subject="Imported")

    services.interaction_update(interaction=interaction, subject="Renamed")

    interaction.refresh_from_db()
    assert interaction.subject == "Renamed"
