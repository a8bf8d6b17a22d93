"""Personal data out of logs: emails, phone numbers, card numbers and street addresses become placeholders."""

from __future__ import annotations

import hashlib
import logging
import re

PATTERNS: dict[str, re.Pattern] = {
    "EMAIL": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "CARD": re.compile(r"\b(?:\d[ -]?){12,18}\d\b"),
    "PHONE": re.compile(r"(?<![\w#])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{2,4}[ .-])\d{3,4}[ .-]?\d{3,4}(?!\w)"
                        r"|(?<!\d)1[3-9]\d{9}(?!\d)"),
    "ADDRESS": re.compile(r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane"
                          r"|Dr|Drive|Way|Ct|Court|Pl|Place)\b\.?"
                          r"|[\u4e00-\u9fff]{2,}(?:路|街|大道)\d+号(?:\d+室)?"),
}


CARD_NUMBER = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")


def luhn_ok(digits: str) -> bool:
    """True for a number that passes the card checksum (so item and tracking ids are left alone)."""
    total, parity = 0, len(digits) % 2
    for index, char in enumerate(digits):
        value = int(char)
        if index % 2 == parity:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def mask_cards(text: str) -> str:
    """Card numbers (13-19 digits that pass the checksum) shown as their last four digits only."""
    def mask(match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return f"**** **** **** {digits[-4:]}" if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group(0)

    return CARD_NUMBER.sub(mask, text)


def session_ref(session_id: str) -> str:
    """A conversation's id as logs show it: a short digest, since the id itself is a bearer secret."""
    return "s:" + hashlib.sha256(session_id.encode()).hexdigest()[:12]


def client_ref(address: str | None) -> str | None:
    """A client address as kefu keeps it: a digest, enough to count what one address does, not to find it."""
    return None if not address else "c:" + hashlib.sha256(address.encode()).hexdigest()[:24]


def redact(text: str) -> str:
    """The text with every email, card number, phone number and street address replaced by [KIND]."""
    for kind, pattern in PATTERNS.items():
        text = pattern.sub(f"[{kind}]", text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts personal data from every record's final message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
