"""The frames an outside probe used to crash the consumer (issue 11, defects 2 and 4).

Each one must now get an error frame naming the problem, change nothing, and leave the
connection open.
"""

import json
import logging

import pytest
from asgiref.sync import sync_to_async

from sessions import consumers, services
from sessions.models import ActionItem, Connection, Score
from sessions.selectors import snapshot as snapshots

from .live_socket import connect, has_ref, make_world, receive_until, session_state, still_open

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

NESTED = "[" * 1000 + "]" * 1000
HUGE_INT = "9" * 4301


async def send_raw(communicator, text):
    await communicator.send_to(text_data=text)
    return await receive_until(communicator, lambda f: f.get("type") == "error")


def as_reviewer_and_facilitator():
    return pytest.mark.parametrize("who", ["reviewer", "facilitator"])


def person(world, who):
    return world.reviewers[0] if who == "reviewer" else world.facilitator


@as_reviewer_and_facilitator()
@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        ({"type": ["score.save"], "ref": "a"}, "'type' must be text"),
        ({"type": {"score.save": 1}, "ref": "a"}, "'type' must be text"),
        ({"type": 7, "ref": "a"}, "'type' must be text"),
        ({"ref": "a"}, "Missing field 'type'"),
    ],
)
async def test_a_type_that_is_not_text_gets_an_error_frame(who, frame, problem):
    world = await make_world()
    communicator, _, _ = await connect(person(world, who), world.session)

    await communicator.send_json_to(frame)
    error = await receive_until(communicator, has_ref("a"))

    assert error["type"] == "error" and error["code"] == "bad_frame"
    assert problem in error["message"]
    assert await still_open(communicator)
    await communicator.disconnect()


@as_reviewer_and_facilitator()
@pytest.mark.parametrize(
    "text",
    [
        NESTED,
        '{"type": "score.save", "ref": "n", "comment": ' + NESTED + "}",
        '{"type": "action.add", "ref": "n", "text": ' + '{"a":' * 1000 + "1" + "}" * 1000 + "}",
    ],
    ids=["top-level", "inside-a-field", "objects"],
)
async def test_deep_nesting_gets_an_error_frame(who, text):
    world = await make_world()
    communicator, _, _ = await connect(person(world, who), world.session)
    before = await session_state(world.session)

    error = await send_raw(communicator, text)

    assert "nested too deeply" in error["message"]
    assert await still_open(communicator)
    assert await session_state(world.session) == before
    await communicator.disconnect()


@as_reviewer_and_facilitator()
@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ("value", "'value' is out of range"),
        ("ts", "'ts' is out of range"),
        ("item", "Invalid item id: out of range"),
        ("ref", "'ref' must be"),
    ],
)
async def test_an_integer_of_thousands_of_digits_gets_an_error_frame(who, field, problem):
    world = await make_world()
    communicator, _, _ = await connect(person(world, who), world.session)
    fields = {"type": "score.save", "item": world.items[0].pk, "criterion": world.numeric.pk}
    text = json.dumps(fields)[:-1] + f', "{field}": {HUGE_INT}}}'

    error = await send_raw(communicator, text)

    assert problem in error["message"]
    assert await still_open(communicator)
    assert await sync_to_async(Score.objects.count)() == 0
    await communicator.disconnect()


@pytest.mark.parametrize("owner", [9223372036854775808, 10**30, -1, 0])
async def test_an_owner_id_out_of_range_gets_an_error_frame(owner):
    world = await make_world()
    communicator, _, _ = await connect(world.facilitator, world.session)

    await communicator.send_json_to({"type": "action.add", "ref": "o", "text": "x", "owner": owner})
    error = await receive_until(communicator, has_ref("o"))

    assert error["type"] == "error" and "Invalid owner id: out of range" in error["message"]
    assert await still_open(communicator)
    assert not await sync_to_async(ActionItem.objects.exists)()
    await communicator.disconnect()


@as_reviewer_and_facilitator()
@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        ({"type": "score.save", "item": 2**63, "criterion": 1, "value": 3}, "Invalid item id"),
        ({"type": "score.save", "item": 1, "criterion": 10**30, "value": 3}, "criterion id"),
        ({"type": "score.save", "item": 1, "criterion": 1, "ts": 2**64}, "'ts' is out of range"),
        ({"type": "score.save", "item": 1, "criterion": 1, "value": 2**40}, "out of range"),
        ({"type": "submit", "item": -(2**63) - 1}, "Invalid item id"),
        ({"type": "reveal", "item": 2**63}, "Invalid item id"),
        ({"type": "action.remove", "id": 2**63}, "Invalid id: out of range"),
        ({"type": "nudge", "participant": 10**30}, "Invalid participant id"),
        ({"type": "consensus.save", "item": 10**30, "criterion": 1}, "Invalid item id"),
        ({"type": "revision.save", "item": 1, "criterion": 2**63}, "Invalid criterion id"),
    ],
)
async def test_ids_past_the_database_range_get_an_error_frame(who, frame, problem):
    world = await make_world()
    communicator, _, _ = await connect(person(world, who), world.session)
    before = await session_state(world.session)

    await communicator.send_json_to({**frame, "ref": "big"})
    error = await receive_until(communicator, has_ref("big"))

    assert error["type"] == "error" and problem in error["message"]
    assert await still_open(communicator)
    assert await session_state(world.session) == before
    await communicator.disconnect()


async def test_a_session_id_past_the_database_range_is_refused_like_a_strangers():
    world = await make_world()

    _, connected, code = await connect(
        world.reviewers[0], world.session, path=f"/ws/sessions/{10**30}/"
    )

    assert not connected and code == 4403


@pytest.mark.parametrize(
    "extra", [{"participant": 999}, {"user": 2}, {"participant": 1, "user": 2}]
)
async def test_a_score_save_naming_someone_else_is_refused_and_saves_nothing(extra):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    frame = {
        "type": "score.save",
        "ref": "spoof",
        "item": world.items[0].pk,
        "criterion": world.numeric.pk,
        "value": 5,
        **extra,
    }

    await communicator.send_json_to(frame)
    error = await receive_until(communicator, has_ref("spoof"))

    assert error["type"] == "error" and error["code"] == "bad_frame"
    for name in extra:
        assert repr(name) in error["message"]
    assert "score.save" in error["message"]
    assert await sync_to_async(Score.objects.count)() == 0
    assert await still_open(communicator)
    await communicator.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "ping", "session": 1},
        {"type": "reveal", "items": [1]},
        {"type": "close", "force": True},
        {"type": "action.add", "text": "x", "created_by": 1},
    ],
)
async def test_unknown_fields_are_refused_for_every_message_type(frame):
    world = await make_world()
    communicator, _, _ = await connect(world.facilitator, world.session)
    before = await session_state(world.session)

    await communicator.send_json_to({**frame, "ref": "u"})
    error = await receive_until(communicator, has_ref("u"))

    assert error["type"] == "error" and "Unknown field" in error["message"]
    assert await session_state(world.session) == before
    await communicator.disconnect()


async def test_a_bug_in_a_handler_gets_a_generic_error_frame_and_is_logged(monkeypatch, caplog):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    def broken(**kwargs):
        raise RuntimeError("secret internals: Rev1 rated 2")

    monkeypatch.setattr(services, "score_save", broken)
    with caplog.at_level(logging.ERROR, logger="sessions.consumers"):
        await communicator.send_json_to(
            {"type": "score.save", "ref": "bug", "item": world.items[0].pk, "criterion": 1}
        )
        error = await receive_until(communicator, has_ref("bug"))

    assert error["type"] == "error" and error["code"] == "server_error"
    assert "secret" not in json.dumps(error) and "Traceback" not in json.dumps(error)
    assert any("secret internals" in r.getMessage() or r.exc_info for r in caplog.records)
    assert await still_open(communicator)
    await communicator.disconnect()


async def test_a_bug_while_building_a_pushed_snapshot_keeps_the_connection(monkeypatch, caplog):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    def broken(**kwargs):
        raise KeyError("another viewer's data")

    # A pushed frame is derived from the worker's shared view: the derivation fails.
    monkeypatch.setattr(snapshots, "viewer_frame", broken)
    with caplog.at_level(logging.ERROR, logger="sessions.consumers"):
        await sync_to_async(world.score_all)(world.reviewers[1], world.items[0], (1, 4, 2))
        await sync_to_async(world.submit)(world.reviewers[1], world.items[0])
        error = await receive_until(communicator, lambda f: f.get("type") == "error")

    assert error["code"] == "server_error" and "viewer" not in json.dumps(error)
    assert await still_open(communicator)
    await communicator.disconnect()


@pytest.mark.parametrize(
    "text",
    [
        " ",
        "NaN",
        '{"type": "score.save", "value": NaN}',
        '{"type": "score.save", "value": Infinity}',
        '"just a string"',
        "[1, 2, 3]",
        "null",
        '{"type": "score.save"' + ', "a": 1' * 10 + "",
    ],
)
async def test_unreadable_json_gets_an_error_frame(text):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    error = await send_raw(communicator, text)

    assert error["code"] == "bad_frame" and error["message"]
    assert await still_open(communicator)
    await communicator.disconnect()


async def test_a_binary_frame_gets_an_error_frame():
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)

    await communicator.send_to(bytes_data=b'{"type": "ping"}')
    error = await receive_until(communicator, lambda f: f.get("type") == "error")

    assert "not binary" in error["message"]
    assert await still_open(communicator)
    await communicator.disconnect()


@pytest.mark.parametrize("comment", ["nul \x00 byte", "lone \ud800 surrogate"])
async def test_text_no_database_can_store_is_refused(comment):
    world = await make_world()
    communicator, _, _ = await connect(world.reviewers[0], world.session)
    frame = {
        "type": "score.save",
        "ref": "t",
        "item": world.items[0].pk,
        "criterion": world.numeric.pk,
        "value": 3,
        "comment": comment,
    }

    await communicator.send_to(text_data=json.dumps(frame))
    error = await receive_until(communicator, has_ref("t"))

    assert error["code"] == "bad_frame" and "'comment'" in error["message"]
    assert await sync_to_async(Score.objects.count)() == 0
    await communicator.disconnect()


async def test_a_bug_while_connecting_turns_the_handshake_away_instead_of_hanging(
    monkeypatch, caplog
):
    world = await make_world()

    def broken(self):
        raise KeyError("snapshot bug")

    monkeypatch.setattr(consumers.SessionConsumer, "_build_snapshot", broken)
    with caplog.at_level(logging.ERROR, logger="sessions.consumers"):
        communicator, connected, _ = await connect(world.reviewers[0], world.session)

    assert not connected
    assert any(record.exc_info for record in caplog.records)
    assert not await sync_to_async(Connection.objects.exists)()
    await communicator.disconnect()
