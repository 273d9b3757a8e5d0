"""The websocket protocol's inbound side: decoding frames, checking their fields, pacing them.

Pure functions and small classes with no database access, so the consumer stays an interface
and every rule here is tested on literal frames. Anything a client sends either passes these
checks or becomes a `FrameError` whose message names the problem; nothing received may raise
anything else.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# The largest id the database can hold (BigAutoField, and BigIntegerField for timestamps):
# bigger numbers overflow the SQLite driver before a query could say "no such row".
MAX_ID = 2**63 - 1
MAX_TIMESTAMP = 2**63 - 1
# Rating codes are small integers (the Score column is a SmallIntegerField).
MAX_RATING = 2**15 - 1
# Ids, ratings and timestamps fit in 19 digits; a longer literal is never converted (Python's
# conversion is quadratic, and refuses more than 4,300 digits with a ValueError).
MAX_NUMBER_DIGITS = 20
MAX_REF_LENGTH = 64
MAX_ECHO = 40  # characters of a client's own text repeated in an error message


class FrameError(Exception):
    """A frame the protocol refuses; the message is sent back to the client as it is."""


# --- decoding ----------------------------------------------------------------------------


class OversizedNumber:
    """An integer literal too long to be any id, rating or timestamp: kept as a marker (not
    converted) so the field it is in can be named in the error, with the frame's ref."""

    def __repr__(self):
        return "<number too long>"


def _parse_int(text: str) -> int | OversizedNumber:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        return OversizedNumber()
    return int(text)


def _refuse_constant(name: str):
    raise FrameError(f"{name} is not a valid JSON number.")


def decode(text_data: str | None, bytes_data: bytes | None, *, max_bytes: int) -> object:
    """The JSON value of one frame, or FrameError saying why it is unreadable."""
    raw = text_data if text_data is not None else bytes_data
    if raw is None:
        raise FrameError("Empty message.")
    size = len(raw.encode("utf-8", "surrogatepass")) if isinstance(raw, str) else len(raw)
    if size > max_bytes:
        raise FrameError(f"Message too large: the limit is {max_bytes // 1024} KiB.")
    if text_data is None:
        raise FrameError("Send JSON text frames, not binary.")
    try:
        return json.loads(text_data, parse_int=_parse_int, parse_constant=_refuse_constant)
    except RecursionError:
        raise FrameError("Malformed JSON: the message is nested too deeply.") from None
    except json.JSONDecodeError as error:
        raise FrameError(f"Malformed JSON: {error.msg} at character {error.pos}.") from None
    except ValueError:
        # Python's own limit on integer digits, or a number float() cannot represent.
        raise FrameError("Malformed JSON: a number in the message is out of range.") from None


def echo(value: object) -> str:
    """A client's value quoted in an error message, short enough to be harmless."""
    text = repr(value)
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


# --- fields ------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Kind:
    """What one field may hold. `check` returns the value to use or raises FrameError."""

    describe: str
    check: Callable[[str, object], object]


def _id(name: str, value: object) -> int:
    what = "id" if name == "id" else f"{name} id"
    if isinstance(value, OversizedNumber):
        raise FrameError(f"Invalid {what}: out of range.")
    if not _is_int(value):
        raise FrameError(f"Invalid {what}: expected a whole number.")
    if not 1 <= value <= MAX_ID:
        raise FrameError(f"Invalid {what}: out of range.")
    return value


def _rating(name: str, value: object) -> int:
    if isinstance(value, OversizedNumber):
        raise FrameError(f"Field {name!r} is out of range.")
    if not _is_int(value):
        raise FrameError(f"Field {name!r} has the wrong type: expected a whole number or null.")
    if not -MAX_RATING <= value <= MAX_RATING:
        raise FrameError(f"Field {name!r} is out of range.")
    return value


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise FrameError(f"Field {name!r} has the wrong type: expected true or false.")
    return value


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise FrameError(f"Field {name!r} has the wrong type: expected text.")
    # JSON escapes can spell what no database stores: lone surrogates (not Unicode) and NUL
    # (PostgreSQL text refuses it).
    if "\x00" in value:
        raise FrameError(f"Field {name!r} contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FrameError(f"Field {name!r} is not valid Unicode text.") from None
    return value


def _timestamp(name: str, value: object) -> int:
    if isinstance(value, OversizedNumber):
        raise FrameError(f"Field {name!r} is out of range.")
    if not _is_int(value):
        raise FrameError(f"Field {name!r} has the wrong type: expected a whole number.")
    if not 0 <= value <= MAX_TIMESTAMP:
        raise FrameError(f"Field {name!r} is out of range.")
    return value


def choice(*values: str) -> Kind:
    def check(name: str, value: object) -> str:
        if not isinstance(value, str) or value not in values:
            raise FrameError(f"Field {name!r} must be one of {', '.join(values)}.")
        return value

    return Kind(describe=" or ".join(values), check=check)


ID = Kind("a positive whole number", _id)
RATING = Kind("a whole number, or null", _rating)
FLAG = Kind("true or false", _flag)
TEXT = Kind("text", _text)
TIMESTAMP = Kind("a whole number of milliseconds", _timestamp)


@dataclass(frozen=True)
class Field:
    kind: Kind
    required: bool = False


def required(kind: Kind) -> Field:
    return Field(kind, required=True)


def optional(kind: Kind) -> Field:
    return Field(kind, required=False)


@dataclass(frozen=True)
class Message:
    """One message type: its handler and the only fields it may carry (besides type and ref)."""

    handler: str
    fields: Mapping[str, Field] = field(default_factory=dict)


ENVELOPE = frozenset({"type", "ref"})


def message_ref(content: object) -> str | int | None:
    """The client's reference for matching the answer, when it is one we can echo safely."""
    if not isinstance(content, dict):
        return None
    ref = content.get("ref")
    if isinstance(ref, str) and len(ref) <= MAX_REF_LENGTH:
        return ref
    if _is_int(ref) and abs(ref) <= MAX_ID:
        return ref
    return None


def message_type(content: object, table: Mapping[str, Message]) -> tuple[str, Message]:
    if not isinstance(content, dict):
        raise FrameError("Each message must be a JSON object.")
    kind = content.get("type")
    if kind is None:
        raise FrameError("Missing field 'type'.")
    if not isinstance(kind, str):
        raise FrameError("Field 'type' must be text, the name of a message type.")
    message = table.get(kind)
    if message is None:
        raise FrameError(f"Unknown message type {echo(kind)}.")
    return kind, message


def validate(kind: str, message: Message, content: dict) -> dict[str, object]:
    """The message's fields, checked: every field named, of its kind, none unknown.

    Returns every declared field, None where an optional one is absent or null.
    """
    ref = content.get("ref")
    if ref is not None and message_ref(content) is None:
        raise FrameError(
            f"Field 'ref' must be text of at most {MAX_REF_LENGTH} characters or a number."
        )
    unknown = sorted(
        name for name in content if name not in ENVELOPE and name not in message.fields
    )
    if unknown:
        names = ", ".join(echo(name) for name in unknown[:5])
        raise FrameError(f"Unknown field{'s' if len(unknown) > 1 else ''} {names} for {kind}.")
    values: dict[str, object] = {}
    for name, spec in message.fields.items():
        value = content.get(name)
        if value is None:
            if spec.required:
                raise FrameError(f"Missing field {name!r}.")
            values[name] = None
            continue
        values[name] = spec.kind.check(name, value)
    return values


# --- pacing ------------------------------------------------------------------------------


class TokenBucket:
    """Allows `rate` messages a second on average and bursts of up to `burst` at once."""

    def __init__(self, *, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self.updated = clock()

    def take(self) -> float:
        """0 when the message may go ahead; else the seconds until one may."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate
