import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from datafiles import ImportFailed, read_bytes
from interactions.importing import CSV_COLUMNS, export_interactions, import_interactions
from interactions.models import Interaction, Message

from .factories import InteractionFactory, MessageFactory, TeamFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def record(external_id="ZD-1", **overrides):
    base = {
        "external_id": external_id,
        "channel": "email",
        "url": "https://helpdesk.example.com/tickets/1",
        "agent_name": "Sam Ortiz",
        "subject": "Charged twice",
        "occurred_at": "2026-10-02T09:14:00+02:00",
        "notes": "",
        "recording_url": "",
        "metadata": {"priority": "high"},
        "messages": [
            {
                "author": "Anna",
                "role": "customer",
                "sent_at": "2026-10-02T09:14:00+02:00",
                "body": "I was charged twice.",
            },
            {"author": "Sam", "role": "agent", "sent_at": None, "body": "Refunded."},
        ],
    }
    base.update(overrides)
    return base


def as_json(*records, wrap=True) -> bytes:
    return json.dumps({"interactions": list(records)} if wrap else list(records)).encode()


def as_csv(rows: list[dict], columns=CSV_COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in columns})
    return out.getvalue().encode()


def csv_row(external_id="ZD-1", **overrides):
    row = {
        "external_id": external_id,
        "channel": "email",
        "subject": "Charged twice",
        "occurred_at": "2026-10-02 09:14",
        "message_author": "Anna",
        "message_role": "customer",
        "message_sent_at": "2026-10-02 09:14",
        "message_body": "Hello",
    }
    row.update(overrides)
    return row


def errors_of(failure) -> list[str]:
    return [str(error) for error in failure.value.errors]


# --- Both formats ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["interactions.json", "interactions.csv"])
def test_the_example_files_import_cleanly(name):
    team = TeamFactory()
    path = EXAMPLES / name

    result = import_interactions(team=team, data=path.read_bytes(), fmt=path.suffix[1:])

    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert result.summary == "4 interactions read: 4 created, 0 updated, 0 unchanged."
    by_id = {i.external_id: i for i in Interaction.objects.filter(team=team)}
    assert {i.channel for i in by_id.values()} == {"email", "chat", "phone", "expert_session"}
    call = by_id["CALL-7781"]
    assert call.recording_url.startswith("https://recordings.example.com/")
    assert not call.messages.exists()
    email = by_id["ZD-51842"]
    assert email.metadata["tags"] == ["billing", "refund"]
    assert list(email.messages.values_list("role", flat=True)) == [
        "customer",
        "agent",
        "customer",
        "system",
    ]
    assert "\n\nThanks,\nAnna" in email.messages.first().body


def test_the_two_example_files_hold_the_same_data():
    json_team, csv_team = TeamFactory(), TeamFactory()
    import_interactions(
        team=json_team, data=(EXAMPLES / "interactions.json").read_bytes(), fmt="json"
    )
    import_interactions(team=csv_team, data=(EXAMPLES / "interactions.csv").read_bytes(), fmt="csv")

    assert export_interactions(team=json_team, fmt="json") == export_interactions(
        team=csv_team, fmt="json"
    )


def test_json_import_stores_every_field():
    team = TeamFactory()

    import_interactions(team=team, data=as_json(record()), fmt="json")

    interaction = Interaction.objects.get(team=team, external_id="ZD-1")
    assert interaction.occurred_at == datetime(2026, 10, 2, 7, 14, tzinfo=UTC)
    assert interaction.url == "https://helpdesk.example.com/tickets/1"
    assert interaction.metadata == {"priority": "high"}
    messages = list(interaction.messages.order_by("position"))
    assert [(m.position, m.author, m.role, m.body) for m in messages] == [
        (1, "Anna", "customer", "I was charged twice."),
        (2, "Sam", "agent", "Refunded."),
    ]
    assert messages[1].sent_at is None


def test_json_bare_list_and_channel_labels_are_accepted():
    team = TeamFactory()
    data = as_json(
        record("A", channel="Phone call", messages=[]),
        record("B", channel="expert SESSION", messages=[]),
        wrap=False,
    )

    result = import_interactions(team=team, data=data, fmt="json")

    assert result.created == 2
    assert dict(Interaction.objects.filter(team=team).values_list("external_id", "channel")) == {
        "A": "phone",
        "B": "expert_session",
    }


def test_occurred_at_defaults_to_the_first_message_time():
    team = TeamFactory()

    import_interactions(team=team, data=as_json(record(occurred_at=None)), fmt="json")

    interaction = Interaction.objects.get(team=team)
    assert interaction.occurred_at == datetime(2026, 10, 2, 7, 14, tzinfo=UTC)


def test_csv_rows_of_one_interaction_become_its_messages_in_order():
    team = TeamFactory()
    data = as_csv(
        [
            csv_row("ZD-1", message_author="Anna", message_body="First", metadata='{"a": 1}'),
            csv_row("ZD-2", channel="chat", message_author="Eve", message_body="Other"),
            csv_row(
                "ZD-1",
                channel="",
                subject="",
                message_author="Sam",
                message_role="Agent",
                message_body="Second",
            ),
            {"external_id": "CALL-1", "channel": "phone", "recording_url": "https://r.example/1"},
        ]
    )

    result = import_interactions(team=team, data=data, fmt="csv")

    assert result.created == 3
    first = Interaction.objects.get(team=team, external_id="ZD-1")
    assert first.metadata == {"a": 1}
    assert list(first.messages.values_list("author", "role", "body")) == [
        ("Anna", "customer", "First"),
        ("Sam", "agent", "Second"),
    ]
    assert not Interaction.objects.get(team=team, external_id="CALL-1").messages.exists()


# --- Upsert ----------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing():
    team = TeamFactory()
    data = (EXAMPLES / "interactions.json").read_bytes()
    import_interactions(team=team, data=data, fmt="json")
    message_ids = set(Message.objects.values_list("pk", flat=True))
    stamps = dict(Interaction.objects.values_list("pk", "updated_at"))

    result = import_interactions(team=team, data=data, fmt="json")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert set(Message.objects.values_list("pk", flat=True)) == message_ids
    assert dict(Interaction.objects.values_list("pk", "updated_at")) == stamps


def test_reimporting_as_csv_what_was_imported_as_json_changes_nothing():
    team = TeamFactory()
    import_interactions(team=team, data=(EXAMPLES / "interactions.json").read_bytes(), fmt="json")

    result = import_interactions(
        team=team, data=(EXAMPLES / "interactions.csv").read_bytes(), fmt="csv"
    )

    assert result.unchanged == 4


def test_changed_fields_update_without_rewriting_identical_messages():
    team = TeamFactory()
    import_interactions(team=team, data=as_json(record("A"), record("B")), fmt="json")
    message_ids = set(Message.objects.values_list("pk", flat=True))

    result = import_interactions(
        team=team, data=as_json(record("A", subject="New subject"), record("B")), fmt="json"
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Interaction.objects.get(team=team, external_id="A").subject == "New subject"
    assert set(Message.objects.values_list("pk", flat=True)) == message_ids


def test_changed_messages_are_replaced():
    team = TeamFactory()
    import_interactions(team=team, data=as_json(record("A")), fmt="json")
    new_messages = [{"author": "Bot", "role": "system", "body": "Only this now"}]

    result = import_interactions(
        team=team, data=as_json(record("A", messages=new_messages)), fmt="json"
    )

    assert result.updated == 1
    interaction = Interaction.objects.get(team=team, external_id="A")
    assert list(interaction.messages.values_list("position", "author", "body")) == [
        (1, "Bot", "Only this now")
    ]


def test_import_only_touches_the_given_team():
    other = InteractionFactory(external_id="ZD-1", subject="Theirs")
    team = TeamFactory()

    result = import_interactions(team=team, data=as_json(record("ZD-1")), fmt="json")

    assert result.created == 1
    other.refresh_from_db()
    assert other.subject == "Theirs"


# --- Errors: every bad row, nothing written ----------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"external_id": ""}, "row 2, column 'external_id': required"),
        ({"channel": "fax"}, "row 2, column 'channel': Unknown channel 'fax'"),
        ({"channel": None}, "row 2, column 'channel': required"),
        ({"occurred_at": "yesterday"}, "row 2, column 'occurred_at': cannot read 'yesterday'"),
        ({"url": "helpdesk/tickets/1"}, "row 2, column 'url': The address"),
        ({"recording_url": "javascript:alert(1)"}, "row 2, column 'recording_url'"),
        ({"metadata": "high"}, "row 2, column 'metadata': must be a JSON object"),
        ({"subject": "x" * 301}, "row 2, column 'subject': too long"),
        ({"messages": "hello"}, "row 2, column 'messages': must be a list"),
        (
            {"messages": [{"author": "A", "body": "ok"}, {"author": "B", "body": "  "}]},
            "row 2, column 'messages[2].body': empty body",
        ),
        (
            {"messages": [{"author": "", "body": "hi"}]},
            "row 2, column 'messages[1].author': a message needs an author",
        ),
        (
            {"messages": [{"author": "A", "role": "boss", "body": "hi"}]},
            "row 2, column 'messages[1].role': Unknown role 'boss'",
        ),
        (
            {"messages": [{"author": "A", "sent_at": "32/10/2026", "body": "hi"}]},
            "row 2, column 'messages[1].sent_at': cannot read",
        ),
        ({"external_id": "GOOD"}, "row 2, column 'external_id': duplicate external id 'GOOD'"),
    ],
)
def test_json_errors_name_row_and_column_and_nothing_is_written(bad, expected):
    team = TeamFactory()
    data = as_json(record("GOOD"), record(**{"external_id": "BAD", **bad}), record("ALSO-GOOD"))

    with pytest.raises(ImportFailed) as failure:
        import_interactions(team=team, data=data, fmt="json")

    assert any(error.startswith(expected) for error in errors_of(failure)), errors_of(failure)
    assert not Interaction.objects.filter(team=team).exists()
    assert not Message.objects.exists()


def test_json_reports_all_bad_records_at_once():
    team = TeamFactory()
    data = as_json(record("A", channel="fax"), record("B"), record("C", occurred_at="soon"))

    with pytest.raises(ImportFailed) as failure:
        import_interactions(team=team, data=data, fmt="json")

    assert [error.row for error in failure.value.errors] == [1, 3]


def test_unreadable_json_is_refused_clearly():
    with pytest.raises(ImportFailed, match="could not be read"):
        import_interactions(team=TeamFactory(), data=b"{not json", fmt="json")


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"channel": "pigeon"}, "row 3, column 'channel': Unknown channel 'pigeon'"),
        ({"occurred_at": "02/30/2026"}, "row 3, column 'occurred_at': cannot read"),
        ({"url": "www example com"}, "row 3, column 'url'"),
        ({"metadata": "{priority: high}"}, "row 3, column 'metadata': not valid JSON"),
        ({"metadata": "[1, 2]"}, "row 3, column 'metadata': must be a JSON object"),
        ({"message_body": ""}, "row 3, column 'message_body': empty body"),
        ({"message_author": ""}, "row 3, column 'message_author': a message needs an author"),
        ({"message_role": "robot"}, "row 3, column 'message_role': Unknown role 'robot'"),
        ({"message_sent_at": "noon"}, "row 3, column 'message_sent_at': cannot read 'noon'"),
        ({"channel": "chat"}, "row 3, column 'channel': differs from row 2"),
        ({"subject": "Something else"}, "row 3, column 'subject': differs from row 2"),
        ({"occurred_at": "2026-10-03 09:14"}, "row 3, column 'occurred_at': differs from row 2"),
    ],
)
def test_csv_errors_name_row_and_column_and_nothing_is_written(bad, expected):
    team = TeamFactory()
    data = as_csv(
        [
            csv_row("ZD-1", message_body="First"),
            csv_row("ZD-1", **{"message_author": "Sam", "message_body": "Second", **bad}),
            csv_row("ZD-2"),
        ]
    )

    with pytest.raises(ImportFailed) as failure:
        import_interactions(team=team, data=data, fmt="csv")

    assert any(error.startswith(expected) for error in errors_of(failure)), errors_of(failure)
    assert not Interaction.objects.filter(team=team).exists()


def test_csv_same_values_written_differently_still_agree():
    team = TeamFactory()
    data = as_csv(
        [
            csv_row("ZD-1", channel="Phone call", occurred_at="2026-10-02T09:14:00+00:00"),
            csv_row("ZD-1", channel="PHONE", occurred_at="2026-10-02 09:14", message_body="2"),
        ]
    )

    result = import_interactions(team=team, data=data, fmt="csv")

    assert result.created == 1


def test_csv_missing_required_column_is_reported_on_the_header_row():
    data = as_csv([csv_row()], columns=["external_id", "subject", "message_body"])

    with pytest.raises(ImportFailed) as failure:
        import_interactions(team=TeamFactory(), data=data, fmt="csv")

    assert errors_of(failure) == [
        "row 1, column 'channel': missing column (the header row must name it)"
    ]


def test_csv_without_optional_columns_imports():
    team = TeamFactory()
    data = b"external_id,channel\nA-1,chat\nA-2,Expert session\n"

    result = import_interactions(team=team, data=data, fmt="csv")

    assert result.created == 2


def test_unknown_format_is_refused():
    with pytest.raises(ImportFailed, match="Unknown format"):
        import_interactions(team=TeamFactory(), data=b"", fmt="xml")


def test_too_large_file_is_refused_with_a_clear_message(settings):
    settings.IMPORT_MAX_BYTES = 200
    data = (EXAMPLES / "interactions.json").read_bytes()

    with pytest.raises(ImportFailed, match="too large"):
        read_bytes(SimpleUploadedFile("interactions.json", data))


# --- Export and round trip ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_into_another_team_gives_the_same_data(fmt):
    source = TeamFactory()
    import_interactions(team=source, data=(EXAMPLES / "interactions.json").read_bytes(), fmt="json")
    InteractionFactory(team=source, external_id="EMPTY", metadata={}, occurred_at=None)
    exported = export_interactions(team=source, fmt=fmt)
    target = TeamFactory()

    result = import_interactions(team=target, data=exported, fmt=fmt)

    assert result.created == 5
    assert export_interactions(team=target, fmt=fmt) == exported
    again = import_interactions(team=target, data=exported, fmt=fmt)
    assert again.unchanged == 5


def test_export_json_shape():
    interaction = InteractionFactory(
        external_id="ZD-9",
        occurred_at=datetime(2026, 10, 2, 9, 0, tzinfo=UTC),
        metadata={"k": "v"},
    )
    MessageFactory(interaction=interaction, position=1, author="Anna", body="Hi <b>")

    payload = json.loads(export_interactions(team=interaction.team, fmt="json"))

    assert payload["interactions"][0] == {
        "external_id": "ZD-9",
        "channel": "email",
        "url": "",
        "agent_name": "Sam Agent",
        "subject": interaction.subject,
        "occurred_at": "2026-10-02T09:00:00+00:00",
        "notes": "",
        "recording_url": "",
        "metadata": {"k": "v"},
        "messages": [{"author": "Anna", "role": "customer", "sent_at": None, "body": "Hi <b>"}],
    }


def test_export_csv_has_one_row_per_message_and_one_for_an_empty_interaction():
    team = TeamFactory()
    talk = InteractionFactory(team=team, external_id="A")
    MessageFactory(interaction=talk, position=1)
    MessageFactory(interaction=talk, position=2)
    InteractionFactory(team=team, external_id="B")
    InteractionFactory(external_id="FOREIGN")

    rows = list(csv.DictReader(io.StringIO(export_interactions(team=team, fmt="csv").decode())))

    assert [row["external_id"] for row in rows] == ["A", "A", "B"]
    assert rows[2]["message_body"] == ""


def test_export_limited_to_a_queryset_stays_within_the_team():
    team = TeamFactory()
    InteractionFactory(team=team, external_id="KEEP", channel="chat")
    InteractionFactory(team=team, external_id="SKIP", channel="email")
    InteractionFactory(external_id="FOREIGN", channel="chat")

    data = export_interactions(
        team=team, fmt="json", queryset=Interaction.objects.filter(channel="chat")
    )

    assert [i["external_id"] for i in json.loads(data)["interactions"]] == ["KEEP"]


# --- Volume ----------------------------------------------------------------------------------


def test_thousands_of_rows_import_in_few_queries(django_assert_max_num_queries):
    team = TeamFactory()
    rows = [
        csv_row(f"T-{number}", message_author=f"A{turn}", message_body=f"message {turn}")
        for number in range(1000)
        for turn in range(3)
    ]
    data = as_csv(rows)

    # Bulk inserts: SQLite allows 999 parameters per statement, so about 80 interactions or
    # 160 messages a query (32 for these 4,000 rows); one query per row would be 4,000.
    with django_assert_max_num_queries(40):
        result = import_interactions(team=team, data=data, fmt="csv")

    assert result.created == 1000
    assert Message.objects.filter(interaction__team=team).count() == 3000

    with django_assert_max_num_queries(12):
        again = import_interactions(team=team, data=data, fmt="csv")

    assert again.unchanged == 1000


def test_reimport_cannot_rewrite_a_calibrated_conversation():
    import json as json_module

    from datafiles import ImportFailed
    from interactions.importing import import_interactions
    from interactions.models import Message

    from .factories import SessionWorld

    world = SessionWorld()
    used = world.interactions[0]
    payload = [
        {
            "external_id": used.external_id,
            "channel": "email",
            "messages": [{"author": "Ann", "role": "customer", "body": "A different story"}],
        }
    ]

    with pytest.raises(ImportFailed) as failure:
        import_interactions(team=world.team, data=json_module.dumps(payload).encode(), fmt="json")

    assert "already scored in a calibration session" in str(failure.value)
    assert failure.value.errors[0].row == 1
    assert not Message.objects.filter(interaction=used).exists()


def test_the_example_files_do_not_reuse_the_demo_datas_external_ids():
    demo = json.loads((EXAMPLES.parent / "demo" / "interactions.json").read_text("utf-8"))
    records = demo["interactions"] if isinstance(demo, dict) else demo
    demo_ids = {record["external_id"] for record in records}
    example = json.loads((EXAMPLES / "interactions.json").read_text("utf-8"))
    example_ids = {
        record["external_id"]
        for record in (example["interactions"] if isinstance(example, dict) else example)
    }
    with (EXAMPLES / "interactions.csv").open(encoding="utf-8", newline="") as file:
        csv_ids = {row["external_id"] for row in csv.DictReader(file)}

    assert example_ids and not example_ids & demo_ids
    assert csv_ids == example_ids
