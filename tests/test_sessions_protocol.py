"""The websocket protocol's checks on literal frames, without a socket or a database."""

import pytest

from sessions import protocol
from sessions.consumers import SessionConsumer
from sessions.protocol import ID, TEXT, FrameError, Message, TokenBucket, optional, required

MESSAGE = Message("handle_x", {"item": required(ID), "comment": optional(TEXT)})


def decode(text):
    return protocol.decode(text, None, max_bytes=64 * 1024)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[" * 1000 + "]" * 1000, "nested too deeply"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, "nested too deeply"),
        ("{oops", "Malformed JSON"),
        ("NaN", "NaN is not a valid JSON number"),
        ('{"x": -Infinity}', "-Infinity is not a valid JSON number"),
    ],
)
def test_unreadable_frames_raise_a_frame_error_naming_the_problem(text, problem):
    with pytest.raises(FrameError, match=problem):
        decode(text)


def test_an_integer_literal_past_any_id_is_kept_as_a_marker_not_converted():
    value = decode('{"n": ' + "9" * 60_000 + "}")["n"]

    assert isinstance(value, protocol.OversizedNumber)
    with pytest.raises(FrameError, match="out of range"):
        protocol.validate("x", MESSAGE, {"type": "x", "item": value})


def test_the_size_limit_counts_utf8_bytes():
    with pytest.raises(FrameError, match="too large"):
        protocol.decode('"' + "é" * 600 + '"', None, max_bytes=1024)
    assert protocol.decode('"' + "é" * 500 + '"', None, max_bytes=1024)


def test_binary_frames_are_refused():
    with pytest.raises(FrameError, match="not binary"):
        protocol.decode(None, b"{}", max_bytes=1024)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"type": "x"}, "Missing field 'item'"),
        ({"type": "x", "item": None}, "Missing field 'item'"),
        ({"type": "x", "item": True}, "Invalid item id: expected a whole number"),
        ({"type": "x", "item": 1.0}, "Invalid item id: expected a whole number"),
        ({"type": "x", "item": "1"}, "Invalid item id: expected a whole number"),
        ({"type": "x", "item": 0}, "Invalid item id: out of range"),
        ({"type": "x", "item": 2**63}, "Invalid item id: out of range"),
        ({"type": "x", "item": 1, "comment": 5}, "'comment' has the wrong type"),
        ({"type": "x", "item": 1, "user": 2}, "Unknown field 'user' for x"),
        ({"type": "x", "item": 1, "a": 1, "b": 2}, "Unknown fields 'a', 'b' for x"),
        ({"type": "x", "item": 1, "ref": ["r"]}, "'ref' must be text"),
        ({"type": "x", "item": 1, "ref": "r" * 65}, "'ref' must be text"),
    ],
)
def test_fields_are_checked_against_the_table(content, problem):
    with pytest.raises(FrameError, match=problem):
        protocol.validate("x", MESSAGE, content)


def test_a_valid_message_gets_every_declared_field():
    assert protocol.validate("x", MESSAGE, {"type": "x", "ref": "r", "item": 3}) == {
        "item": 3,
        "comment": None,
    }


def test_the_largest_database_id_is_accepted():
    assert protocol.validate("x", MESSAGE, {"item": protocol.MAX_ID})["item"] == 2**63 - 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ([], "must be a JSON object"),
        ({}, "Missing field 'type'"),
        ({"type": ["x"]}, "'type' must be text"),
        ({"type": {"x": 1}}, "'type' must be text"),
        ({"type": "launch"}, "Unknown message type 'launch'"),
        ({"type": "y" * 1000}, "Unknown message type 'yyyy"),
    ],
)
def test_the_message_type_must_be_a_known_name(content, problem):
    with pytest.raises(FrameError, match=problem) as raised:
        protocol.message_type(content, {"x": MESSAGE})
    assert len(str(raised.value)) < 100  # a client's text is echoed only in part


def test_every_handler_in_the_table_exists_on_the_consumer():
    for kind, message in SessionConsumer.HANDLERS.items():
        assert callable(getattr(SessionConsumer, message.handler, None)), kind


def test_the_bucket_allows_a_burst_then_the_rate():
    now = [0.0]
    bucket = TokenBucket(rate=20, burst=40, clock=lambda: now[0])

    allowed = sum(bucket.take() == 0 for _ in range(50))
    wait = bucket.take()
    now[0] += 0.5
    after_half_a_second = sum(bucket.take() == 0 for _ in range(20))

    assert allowed == 40
    assert wait == pytest.approx(0.05)
    assert after_half_a_second == 10


def test_the_bucket_never_holds_more_than_its_burst():
    now = [0.0]
    bucket = TokenBucket(rate=20, burst=40, clock=lambda: now[0])
    now[0] += 3600

    assert sum(bucket.take() == 0 for _ in range(100)) == 40
