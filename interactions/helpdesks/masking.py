"""Masking personal data in imported text, before it is stored.

Email addresses become "[email]", card-like numbers that pass the Luhn check "[card number]",
phone numbers "[phone]". Inside a link only email addresses are masked: the long ids in
attachment and recording links look like phone or card numbers, and masking them would break
the link. Masking is deterministic, so re-importing the same conversation finds it unchanged.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]{5,}\d(?!\w)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LINK = re.compile(r"https?://[^\s<>\"']+")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2 == 1:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return total % 10 == 0


@dataclass
class Masker:
    """Masks text and counts what it masked, across every call."""

    counts: Counter = field(default_factory=Counter)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        pieces = []
        start = 0
        for link in LINK.finditer(text):
            pieces.append(self._mask_words(text[start : link.start()]))
            pieces.append(EMAIL.sub(self._email, link.group()))
            start = link.end()
        pieces.append(self._mask_words(text[start:]))
        return "".join(pieces)

    def _mask_words(self, text: str) -> str:
        text = EMAIL.sub(self._email, text)
        text = CARD.sub(self._card, text)
        return PHONE.sub(self._phone, text)

    def _email(self, match: re.Match) -> str:
        self.counts["email address"] += 1
        return "[email]"

    def _card(self, match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            self.counts["card number"] += 1
            return "[card number]"
        return match.group()

    def _phone(self, match: re.Match) -> str:
        candidate = match.group()
        digits = re.sub(r"\D", "", candidate)
        if ISO_DATE.search(candidate) or not 7 <= len(digits) <= 15:
            return candidate
        # Plain runs of digits need a + or at least nine digits to be a phone number, so
        # order numbers and years stay.
        grouped = bool(re.search(r"[ ().-]", candidate.strip()))
        if not (candidate.startswith("+") or len(digits) >= 9 or (grouped and len(digits) >= 7)):
            return candidate
        self.counts["phone number"] += 1
        return "[phone]"

    @property
    def note(self) -> str:
        """ "Masked on import: 2 email addresses, 1 phone number." or "" when nothing was."""
        if not self.counts:
            return "Masking on import found no email address, phone number or card number."
        parts = [
            f"{count} {kind}{'es' if count != 1 and kind.endswith('s') else ''}"
            f"{'s' if count != 1 and not kind.endswith('s') else ''}"
            for kind, count in sorted(self.counts.items())
        ]
        return "Masked on import: " + ", ".join(parts) + "."
