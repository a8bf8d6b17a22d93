"""Personal data out of logs: emails, phone numbers, card numbers and street addresses become placeholders."""

from __future__ import annotations

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
