"""PII scrubbing for training data: emails, phone numbers, card numbers and street addresses become placeholders.

Placeholders are numbered per conversation and consistent inside it ([EMAIL_1] is the same address
wherever it appears, in the shopper's words, a tool call's arguments or a tool result), so a model
trained on the data still learns to copy the value it was given.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
PHONE = re.compile(
    r"(?<![\w#])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{3}[ .-])\d{3,4}[ .-]?\d{3,4}(?![\w])"  # +1 415-555-0123
    r"|(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")  # 138 1234 5678, +86 13812345678
STREET = re.compile(
    r"\b\d{1,5}\s+(?:[A-Z][a-z]+\.?\s){1,3}(?:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane|Dr|Drive|Way|Ct"
    r"|Court|Pl|Place|Ter|Terrace|Pkwy|Parkway)\b\.?(?:,?\s(?:Apt|Suite|Unit)\s?\w+)?"
    r"|[\u4e00-\u9fff]{2,}(?:省|市|区|县)[\u4e00-\u9fff\d]*(?:路|街|大道|巷)\d+号(?:[\u4e00-\u9fff\d]*室)?"
    r"|[\u4e00-\u9fff]{2,}(?:路|街|大道|巷)\d+号(?:[\u4e00-\u9fff\d]*室)?")
ADDRESS_KEYS = ("address1", "address2")


def luhn_ok(digits: str) -> bool:
    """True for a number that passes the card checksum (so item and tracking ids are left alone)."""
    total, parity = 0, len(digits) % 2
    for index, char in enumerate(digits):
        value = int(char)
        if index % 2 == parity:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@dataclass
class Scrubber:
    """Replaces personal data in one conversation, remembering each value's placeholder."""

    placeholders: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value.strip())
        if key not in self.placeholders:
            self.placeholders[key] = f"[{kind}_{sum(1 for k, _ in self.placeholders if k == kind) + 1}]"
        self.counts[kind] += 1
        return self.placeholders[key]

    def _card(self, match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return self._placeholder("CARD", digits) if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group(0)

    def text(self, text: str) -> str:
        """Scrub free text."""
        text = EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group(0)), text)
        text = CARD.sub(self._card, text)
        text = PHONE.sub(lambda m: self._placeholder("PHONE", re.sub(r"\D", "", m.group(0))), text)
        return STREET.sub(lambda m: self._placeholder("ADDRESS", m.group(0)), text)

    def value(self, value):
        """Scrub a JSON value: strings as text, and the street lines of address records whole."""
        if isinstance(value, dict):
            return {k: (self._placeholder("ADDRESS", v) if k in ADDRESS_KEYS and isinstance(v, str) and v.strip()
                        else self.value(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return self.text(value) if isinstance(value, str) else value

    def content(self, content: str) -> str:
        """Scrub a message's content, which may be a JSON document (a tool result)."""
        stripped = content.strip()
        if stripped[:1] in "{[":
            try:
                return json.dumps(self.value(json.loads(stripped)), ensure_ascii=False)
            except json.JSONDecodeError:
                pass
        return self.text(content)

    def messages(self, messages: list[dict]) -> list[dict]:
        """Scrub a conversation in OpenAI chat format, tool-call arguments included."""
        out = []
        for message in messages:
            message = dict(message)
            if isinstance(message.get("content"), str):
                message["content"] = self.content(message["content"])
            if message.get("tool_calls"):
                message["tool_calls"] = [
                    call | {"function": call["function"] | {"arguments": json.dumps(
                        self.value(json.loads(call["function"]["arguments"])), ensure_ascii=False)}}
                    for call in message["tool_calls"]]
            out.append(message)
        return out
