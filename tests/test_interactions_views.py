import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interactions.models import Channel, Interaction, Message
from teams.models import Role

from .factories import InteractionFactory, MembershipFactory, MessageFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("interactions:list")
CREATE = reverse("interactions:create")
IMPORT = reverse("interactions:import")


@pytest.fixture
def facilitator():
    return MembershipFactory(role=Role.FACILITATOR)


@pytest.fixture
def team(facilitator):
    return facilitator.team


def member(team, role):
    return MembershipFactory(team=team, role=role).user


@pytest.fixture
def as_facilitator(client, facilitator):
    client.force_login(facilitator.user)
    return client


@pytest.fixture
def as_reviewer(client, team):
    client.force_login(member(team, Role.REVIEWER))
    return client


# --- Library list ----------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_user_without_a_team_is_refused(client):
    client.force_login(UserFactory())

    assert client.get(LIST).status_code == 403


def test_reviewer_sees_the_teams_interactions_without_manage_buttons(as_reviewer, team):
    interaction = InteractionFactory(team=team, external_id="ZD-1", subject="Refund")
    MessageFactory(interaction=interaction, position=1)
    InteractionFactory(external_id="FOREIGN-1")

    response = as_reviewer.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert "ZD-1" in html and "Refund" in html
    assert "FOREIGN-1" not in html
    assert 'class="badge badge-channel badge-channel-email"' in html
    assert CREATE not in html and IMPORT not in html


def test_facilitator_sees_import_new_and_export_buttons(as_facilitator, team):
    InteractionFactory(team=team)

    html = as_facilitator.get(LIST).content.decode()

    assert CREATE in html and IMPORT in html
    assert reverse("interactions:export", args=["csv"]) in html
    assert reverse("interactions:export", args=["json"]) in html


def test_empty_library_shows_the_empty_state(as_facilitator):
    html = as_facilitator.get(LIST).content.decode()

    assert "No interactions yet" in html


def test_filters_narrow_the_list_and_stay_in_the_pagination_links(as_reviewer, team):
    for number in range(30):
        InteractionFactory(
            team=team,
            external_id=f"C-{number:02}",
            channel=Channel.CHAT,
            agent_name="Priya",
            occurred_at=datetime(2026, 10, 5, 12, number, tzinfo=UTC),
        )
    InteractionFactory(team=team, external_id="E-1", channel=Channel.EMAIL, agent_name="Priya")

    response = as_reviewer.get(LIST, {"channel": "chat", "agent": "Priya", "q": "C-"})

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 30
    assert len(response.context["interactions"]) == 25
    html = response.content.decode()
    assert "E-1" not in html
    assert "?channel=chat&amp;agent=Priya&amp;q=C-&amp;page=2" in html


def test_second_page_lists_the_rest(as_reviewer, team):
    InteractionFactory.create_batch(27, team=team)

    response = as_reviewer.get(LIST, {"page": 2})

    assert len(response.context["interactions"]) == 2


def at_day(day: int) -> datetime:
    return datetime(2026, 10, day, tzinfo=UTC)


def test_date_range_filter(as_reviewer, team):
    InteractionFactory(team=team, external_id="OCT-1", occurred_at=at_day(1))
    InteractionFactory(team=team, external_id="OCT-9", occurred_at=at_day(9))

    response = as_reviewer.get(LIST, {"occurred_from": "2026-10-05", "occurred_to": "2026-10-31"})

    assert [i.external_id for i in response.context["interactions"]] == ["OCT-9"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"channel": "fax"}, "Unknown channel “fax”"),
        ({"occurred_from": "next tuesday"}, "“From” is not a date"),
        ({"occurred_to": "2026-13-45"}, "“To” is not a date"),
        ({"agent": "Nobody"}, "No interaction has the agent “Nobody”"),
        ({"occurred_from": "2026-10-09", "occurred_to": "2026-10-01"}, "“To” is before “From”"),
        ({"page": "banana"}, None),
    ],
)
def test_bad_filter_values_give_a_message_not_a_crash(as_reviewer, team, params, message):
    InteractionFactory(team=team, external_id="STILL-LISTED")

    response = as_reviewer.get(LIST, params)

    assert response.status_code == 200
    html = response.content.decode()
    assert "STILL-LISTED" in html
    if message:
        assert "filter-errors" in html
        assert message in html


def test_list_query_count_does_not_grow_with_rows(
    client, facilitator, team, django_assert_max_num_queries
):
    client.force_login(facilitator.user)
    for number in range(40):
        interaction = InteractionFactory(team=team, agent_name=f"Agent {number % 7}")
        MessageFactory(interaction=interaction, position=1)
        MessageFactory(interaction=interaction, position=2)

    with django_assert_max_num_queries(9):
        response = client.get(LIST, {"q": "Refund", "channel": "email"})

    assert len(response.context["interactions"]) == 25


# --- Detail ----------------------------------------------------------------------------------


def test_detail_of_another_teams_interaction_is_not_found(as_facilitator):
    foreign = InteractionFactory()

    assert as_facilitator.get(foreign.get_absolute_url()).status_code == 404
    assert as_facilitator.get(reverse("interactions:edit", args=[foreign.pk])).status_code == 404


def test_detail_escapes_everything(as_reviewer, team):
    interaction = InteractionFactory(
        team=team,
        subject="<script>alert('s')</script>",
        agent_name="<b>agent</b>",
        notes="<img src=x onerror=alert(1)>",
        metadata={"<i>key</i>": "<u>value</u>", "nested": {"a": "<em>"}},
    )
    MessageFactory(
        interaction=interaction,
        position=1,
        author="<marquee>Eve</marquee>",
        body="Line one\n<script>alert('x')</script>",
    )

    html = as_reviewer.get(interaction.get_absolute_url()).content.decode()

    for raw in ["<script>alert", "<b>agent", "<img src=x", "<i>key", "<u>value", "<marquee>"]:
        assert raw not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;marquee&gt;Eve&lt;/marquee&gt;" in html


def test_email_detail_shows_the_thread_and_the_helpdesk_link_in_a_new_tab(as_reviewer, team):
    interaction = InteractionFactory(
        team=team,
        external_id="ZD-48213",
        url="https://helpdesk.example.com/tickets/48213",
        metadata={"priority": "high"},
    )
    MessageFactory(
        interaction=interaction,
        position=1,
        author="Anna",
        body="Hello,\n\n  indented",
        sent_at=datetime(2026, 10, 2, 9, 14, tzinfo=UTC),
    )
    MessageFactory(interaction=interaction, position=2, author="Sam", role="agent", body="Hi")

    html = as_reviewer.get(interaction.get_absolute_url()).content.decode()

    assert (
        '<a href="https://helpdesk.example.com/tickets/48213" target="_blank" '
        'rel="noopener noreferrer">ZD-48213'
    ) in html
    assert "Email thread" in html
    assert '<div class="message-body">Hello,\n\n  indented</div>' in html
    assert 'class="message message-agent"' in html
    assert '<th scope="row">priority</th><td>high</td>' in html


def test_chat_detail_is_a_compact_transcript(as_reviewer, team):
    interaction = InteractionFactory(team=team, channel=Channel.CHAT)
    MessageFactory(interaction=interaction, position=1, role="agent", author="Priya", body="Hi")

    html = as_reviewer.get(interaction.get_absolute_url()).content.decode()

    assert "Chat transcript" in html
    assert 'class="conversation chat"' in html
    assert 'class="message message-agent"' in html


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.EXPERT_SESSION])
def test_call_detail_shows_the_recording_link_and_transcript(as_reviewer, team, channel):
    interaction = InteractionFactory(
        team=team,
        channel=channel,
        recording_url="https://recordings.example.com/calls/7781.mp3",
        notes="Agent offered a downgrade.",
    )

    html = as_reviewer.get(interaction.get_absolute_url()).content.decode()

    assert (
        'href="https://recordings.example.com/calls/7781.mp3" target="_blank" '
        'rel="noopener noreferrer">▶ Listen to the recording'
    ) in html
    assert '<div class="transcript">Agent offered a downgrade.</div>' in html


# --- Create and edit -------------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "channel": "email",
        "external_id": "ZD-100",
        "url": "https://helpdesk.example.com/tickets/100",
        "agent_name": "Sam",
        "subject": "Refund",
        "occurred_at": "2026-10-02T09:00",
        "recording_url": "",
        "notes": "",
        "conversation_text": "Anna (customer) [2026-10-02 09:14]: Hello\n\nSam (agent): Hi Anna",
    }
    data.update(overrides)
    return data


def test_create_page_documents_the_paste_format(as_facilitator):
    html = as_facilitator.get(CREATE).content.decode()

    assert "Paste format" in html
    assert "Anna Berg (customer) [2026-10-02 09:14]:" in html
    assert 'for="id_conversation_text"' in html


def test_facilitator_creates_an_interaction_by_pasting(as_facilitator, team):
    response = as_facilitator.post(CREATE, form_data())

    interaction = Interaction.objects.get(team=team, external_id="ZD-100")
    assert response.status_code == 302
    assert response["Location"] == interaction.get_absolute_url()
    assert list(interaction.messages.values_list("author", "role")) == [
        ("Anna", "customer"),
        ("Sam", "agent"),
    ]


def test_paste_errors_are_shown_with_the_line_and_nothing_is_created(as_facilitator, team):
    response = as_facilitator.post(
        CREATE, form_data(conversation_text="Anna (customer): ok\nSam (boss) [2026-10-02 09:00]: x")
    )

    assert response.status_code == 400
    assert "Line 2: unknown role" in response.content.decode()
    assert not Interaction.objects.filter(team=team).exists()


def test_duplicate_external_id_is_shown_on_the_field(as_facilitator, team):
    InteractionFactory(team=team, external_id="ZD-100")

    response = as_facilitator.post(CREATE, form_data())

    assert response.status_code == 400
    assert response.context["form"].errors["external_id"] == [
        "An interaction with the external id 'ZD-100' already exists in this team."
    ]
    assert Interaction.objects.filter(team=team).count() == 1


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.MANAGER])
def test_reviewers_and_managers_cannot_create(client, team, role):
    client.force_login(member(team, role))

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, form_data()).status_code == 403
    assert not Interaction.objects.exists()


def test_reviewer_cannot_edit(as_reviewer, team):
    interaction = InteractionFactory(team=team, subject="Before")

    response = as_reviewer.post(
        reverse("interactions:edit", args=[interaction.pk]), form_data(subject="After")
    )

    assert response.status_code == 403
    interaction.refresh_from_db()
    assert interaction.subject == "Before"


def test_edit_form_is_prefilled_with_the_conversation_and_saves(as_facilitator, team):
    interaction = InteractionFactory(team=team, external_id="ZD-5", subject="Before")
    MessageFactory(interaction=interaction, position=1, author="Anna", body="Hello")
    url = reverse("interactions:edit", args=[interaction.pk])

    form = as_facilitator.get(url).context["form"]
    assert form.initial["conversation_text"] == "Anna (customer): Hello"

    response = as_facilitator.post(
        url,
        form_data(
            external_id="ZD-5",
            subject="After",
            conversation_text=form.initial["conversation_text"] + "\nSam (agent): Hi",
        ),
    )

    assert response.status_code == 302
    interaction.refresh_from_db()
    assert interaction.subject == "After"
    assert interaction.messages.count() == 2


# --- Import and export -----------------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def good_json(*ids):
    return json.dumps(
        [
            {
                "external_id": external_id,
                "channel": "chat",
                "messages": [{"author": "A", "role": "customer", "body": "hi"}],
            }
            for external_id in ids
        ]
    ).encode()


def test_import_page_upload_redirects_with_a_summary(as_facilitator, team):
    response = as_facilitator.post(
        IMPORT, {"file": upload("export.json", good_json("A", "B"))}, follow=True
    )

    assert response.redirect_chain[-1][0] == LIST
    assert "2 created, 0 updated, 0 unchanged" in response.content.decode()
    assert Interaction.objects.filter(team=team).count() == 2


def test_import_page_lists_row_errors_and_imports_nothing(as_facilitator, team):
    data = json.dumps(
        [
            {"external_id": "A", "channel": "chat"},
            {"external_id": "B", "channel": "carrier pigeon"},
        ]
    ).encode()

    response = as_facilitator.post(IMPORT, {"file": upload("export.json", data)})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="errors-box"' in html
    assert "row 2, column &#x27;channel&#x27;: Unknown channel" in html
    assert not Interaction.objects.filter(team=team).exists()


def test_import_page_shows_the_first_50_errors_then_a_count(as_facilitator):
    rows = "\n".join(f"X-{n},fax" for n in range(60))
    data = f"external_id,channel\n{rows}\n".encode()

    response = as_facilitator.post(IMPORT, {"file": upload("export.csv", data)})

    html = response.content.decode()
    assert html.count("Unknown channel") == 50
    assert "and 10 more." in html


def test_import_page_refuses_an_unknown_file_type(as_facilitator):
    response = as_facilitator.post(IMPORT, {"file": upload("export.xlsx", b"PK...")})

    assert "Unsupported file type .xlsx" in response.content.decode()


def test_import_page_refuses_a_too_large_file(as_facilitator, team, settings):
    settings.IMPORT_MAX_BYTES = 50

    response = as_facilitator.post(IMPORT, {"file": upload("big.json", good_json("A", "B", "C"))})

    assert "The file is too large" in response.content.decode()
    assert not Interaction.objects.filter(team=team).exists()


def test_reviewer_cannot_import(as_reviewer, team):
    response = as_reviewer.post(IMPORT, {"file": upload("export.json", good_json("A"))})

    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_export_downloads_the_filtered_interactions_of_the_team(as_facilitator, team):
    InteractionFactory(team=team, external_id="CHAT-1", channel=Channel.CHAT)
    InteractionFactory(team=team, external_id="MAIL-1", channel=Channel.EMAIL)
    InteractionFactory(external_id="FOREIGN", channel=Channel.CHAT)

    response = as_facilitator.get(reverse("interactions:export", args=["csv"]), {"channel": "chat"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    body = response.content.decode()
    assert "CHAT-1" in body and "MAIL-1" not in body and "FOREIGN" not in body


def test_export_json_and_unknown_format(as_facilitator, team):
    InteractionFactory(team=team, external_id="A-1")

    response = as_facilitator.get(reverse("interactions:export", args=["json"]))

    assert json.loads(response.content)["interactions"][0]["external_id"] == "A-1"
    assert as_facilitator.get("/interactions/export.xml").status_code == 404


def test_reviewer_cannot_export(as_reviewer):
    assert as_reviewer.get(reverse("interactions:export", args=["csv"])).status_code == 403


def test_messages_are_not_left_behind_by_a_failed_create(as_facilitator, team):
    as_facilitator.post(CREATE, form_data(url="not a link"))

    assert not Message.objects.exists()


# --- Editing keeps what was not touched --------------------------------------------------------


def as_a_browser_submits(form, **changes):
    """The edit form posted back as a browser would: each input as shown, textarea lines
    separated by CR LF, with `changes` typed over some inputs."""
    data = {}
    for bound in form:
        shown = bound.field.widget.format_value(bound.value())
        if isinstance(shown, list):
            shown = shown[0] if shown else ""
        data[bound.name] = "" if shown is None else str(shown)
    data.update(changes)
    return {name: value.replace("\n", "\r\n") for name, value in data.items()}


def tricky_interaction(team, **fields):
    interaction = InteractionFactory(
        team=team,
        url="https://helpdesk.example.com/tickets/5",
        occurred_at=datetime(2026, 10, 2, 9, 14, 37, tzinfo=UTC),
        notes="First line\nsecond line",
        **fields,
    )
    bodies = [
        ("Anna Berg (Acme Ltd)", "customer", "Hello\nBot (system): this was quoted\nThanks"),
        ("Support: Tier 2", "agent", "  Indented answer\nSam (agnet): a typo in a quote"),
    ]
    for position, (author, role, body) in enumerate(bodies, start=1):
        MessageFactory(
            interaction=interaction, position=position, author=author, role=role, body=body
        )
    return interaction


def test_editing_only_the_subject_leaves_the_messages_and_time_untouched(as_facilitator, team):
    interaction = tricky_interaction(team, subject="Before")
    before = list(interaction.messages.values_list("pk", "author", "role", "sent_at", "body"))
    url = reverse("interactions:edit", args=[interaction.pk])
    form = as_facilitator.get(url).context["form"]

    response = as_facilitator.post(url, as_a_browser_submits(form, subject="After"))

    assert response.status_code == 302, response.context["form"].errors
    interaction.refresh_from_db()
    assert interaction.subject == "After"
    assert interaction.occurred_at == datetime(2026, 10, 2, 9, 14, 37, tzinfo=UTC)
    assert interaction.notes == "First line\nsecond line"
    after = list(interaction.messages.values_list("pk", "author", "role", "sent_at", "body"))
    assert after == before


def test_editing_one_message_keeps_the_tricky_others_as_they_were(as_facilitator, team):
    interaction = tricky_interaction(team)
    url = reverse("interactions:edit", args=[interaction.pk])
    form = as_facilitator.get(url).context["form"]
    text = form.initial["conversation_text"]

    response = as_facilitator.post(
        url, as_a_browser_submits(form, conversation_text=text.replace("Thanks", "Thank you"))
    )

    assert response.status_code == 302, response.context["form"].errors
    assert list(interaction.messages.values_list("author", "body")) == [
        ("Anna Berg (Acme Ltd)", "Hello\nBot (system): this was quoted\nThank you"),
        ("Support: Tier 2", "  Indented answer\nSam (agnet): a typo in a quote"),
    ]


def test_a_calibrated_interaction_can_be_renamed_from_the_edit_page():
    from .factories import SessionWorld

    world = SessionWorld()
    interaction = world.interactions[0]
    interaction.notes = "Transcript\nwith two lines"
    interaction.save()
    MessageFactory(interaction=interaction, position=1, author="A (B)", body="x\nC (agent): y")
    facilitator = world.facilitator
    from django.test import Client

    client = Client()
    client.force_login(facilitator)
    url = reverse("interactions:edit", args=[interaction.pk])
    form = client.get(url).context["form"]

    response = client.post(url, as_a_browser_submits(form, subject="Renamed"))

    assert response.status_code == 302, response.context["form"].errors
    interaction.refresh_from_db()
    assert interaction.subject == "Renamed"


def test_an_empty_new_interaction_form_saves_nothing(as_facilitator, team):
    empty = {name: "" for name in form_data()} | {"channel": "email"}

    response = as_facilitator.post(CREATE, empty)

    assert response.status_code == 400
    assert "Give reviewers something to review" in response.content.decode()
    assert not Interaction.objects.filter(team=team).exists()


def test_help_texts_are_linked_to_their_inputs(as_facilitator):
    html = as_facilitator.get(CREATE).content.decode()

    assert 'aria-describedby="id_external_id_helptext"' in html
    assert 'id="id_external_id_helptext"' in html
    assert 'aria-describedby="id_conversation_text_helptext paste-format"' in html
    assert 'id="id_conversation_text_helptext"' in html


# --- Detail page details -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recording", "verb"),
    [
        ("https://rec.example.com/calls/7781.MP3", "Listen to"),
        ("https://rec.example.com/sessions/031.mp4?t=1", "Watch"),
        ("https://rec.example.com/player/031", "Open"),
    ],
)
def test_the_recording_link_says_what_it_opens(as_reviewer, team, recording, verb):
    interaction = InteractionFactory(
        team=team, channel=Channel.EXPERT_SESSION, recording_url=recording
    )

    html = as_reviewer.get(interaction.get_absolute_url()).content.decode()

    assert f"▶ {verb} the recording ↗" in html


def test_a_call_without_messages_does_not_count_zero_messages(as_reviewer, team):
    interaction = InteractionFactory(team=team, channel=Channel.PHONE, notes="Transcript")

    html = as_reviewer.get(interaction.get_absolute_url()).content.decode()

    assert "<dt>Messages</dt>" not in html


def test_metadata_lists_read_as_comma_separated_text(as_reviewer, team):
    interaction = InteractionFactory(
        team=team, metadata={"tags": ["billing", "refund"], "nested": {"a": 1}}
    )

    html = as_reviewer.get(interaction.get_absolute_url()).content.decode()

    assert '<th scope="row">tags</th><td>billing, refund</td>' in html
    assert '<th scope="row">nested</th><td>{&quot;a&quot;: 1}</td>' in html


def test_an_empty_library_offers_no_export(as_facilitator):
    html = as_facilitator.get(LIST).content.decode()

    assert reverse("interactions:export", args=["csv"]) not in html
    assert reverse("interactions:export", args=["json"]) not in html


def test_undated_interactions_are_listed_last(as_reviewer, team):
    InteractionFactory(team=team, external_id="UNDATED", occurred_at=None)
    InteractionFactory(team=team, external_id="OLD", occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    InteractionFactory(team=team, external_id="NEW", occurred_at=datetime(2026, 9, 1, tzinfo=UTC))

    interactions = as_reviewer.get(LIST).context["interactions"]

    assert [i.external_id for i in interactions] == ["NEW", "OLD", "UNDATED"]
