"""PII scrubbing for training data: emails, phone numbers, card numbers and street addresses become placeholders.

Placeholders are realistic but fictitious surrogates (`ana.kim4821@example.net`, `+1 555-0101`, a
test card number, `312 Birch Lane`), numbered per conversation and consistent inside it: the same
value wherever it appears, in the shopper's words, a tool call's arguments or a tool result. They must
look like the real thing: a model trained on bracketed tags such as `[EMAIL_1]` learned to write tags
and made-up handles into `find_user_id_by_email` instead of copying the address it was given.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.redaction import CARD_NUMBER as CARD
from assistant.redaction import luhn_ok

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(
    r"(?<![\w#])(?:\+?\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\d{3}[ .-])\d{3,4}[ .-]?\d{3,4}(?![\w])"  # +1 415-555-0123
    r"|(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")  # 138 1234 5678, +86 13812345678
STREET = re.compile(
    r"(?P<street>\b\d{1,5}\s+(?:[A-Za-z][a-z]+\.?\s){1,3}(?i:St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Ln|Lane"
    r"|Dr|Drive|Way|Ct|Court|Pl|Place|Ter|Terrace|Pkwy|Parkway|Highway|Hwy|Circle|Cir|Trail|Trl|Loop|Row|Square"
    r"|Sq|Plaza|Crescent|Alley|Path|Pike|Run|Walk|Hill|Heights)\b\.?)(?P<unit>,?\s(?i:Apt|Suite|Unit)\s?\w+)?"
    r"|[\u4e00-\u9fff]{2,}(?:省|市|区|县)[\u4e00-\u9fff\d]*(?:路|街|大道|巷)\d+号(?:[\u4e00-\u9fff\d]*室)?"
    r"|[\u4e00-\u9fff]{2,}(?:路|街|大道|巷)\d+号(?:[\u4e00-\u9fff\d]*室)?")
ADDRESS_KEYS = ("address1", "address2")
IDENTITY_KEYS = {"first_name": "FIRST", "last_name": "LAST", "zip": "ZIP", "city": "CITY", "user_id": "USER"}
USER_ID = re.compile(r"\b(?!credit_card|gift_card)([a-z]+)_([a-z]+)_(\d{3,5})\b")
SAID_NAME = re.compile(r"(?:[Mm]y name is|[Nn]ame is|I am|I'm|this is|[Yy]ou are|我叫|我是|名字是)\s*"
                       r"([A-Z][a-z]+)\s+([A-Z][a-z]+)")
SAID_ZIP = re.compile(r"(?i:zip\s?code|zipcode|zip|postal code|postcode|邮编)\D{0,12}?(\d{5})(?!\d)")
CITIES = ["Springfield", "Riverton", "Fairview", "Lakeside", "Milford", "Ashland"]
FIRST = ["ana", "ben", "chloe", "david", "elena", "farid", "grace", "hiro", "ines", "jonas", "kemi", "liam", "mei",
         "noah", "olga", "pablo", "quinn", "rosa", "sven", "tara"]
LAST = ["kim", "okafor", "silva", "novak", "haddad", "berg", "moreau", "tanaka", "rossi", "walsh", "chen", "ivanova",
        "lopez", "mensah", "dubois", "park", "larsen", "costa", "nagy", "reyes"]
STREET_NAMES = ["Birch Lane", "Quarry Road", "Lantern Street", "Orchard Avenue", "Heron Court", "Copper Drive",
                "Juniper Way", "Meadow Place"]
ZH_STREET_NAMES = ["示例路", "样本街", "演示大道", "测试巷"]


def _parsed(content):
    """A message's content or a call's arguments: the JSON document it holds, or the text itself."""
    if isinstance(content, str) and content.strip()[:1] in "{[":
        try:
            return json.loads(content)
        except json.JSONDecodeError:
            return content
    return content


def _digest(value: str) -> int:
    return int(hashlib.sha256(value.encode()).hexdigest()[:8], 16)


def _with_check_digit(digits: str) -> str:
    return next(digits + d for d in "0123456789" if luhn_ok(digits + d))


def surrogate(kind: str, value: str, n: int, raw: str = "") -> str:
    """The n-th fictitious stand-in of its kind in a conversation (reserved domain, 555-01xx numbers, test cards)."""
    h = _digest(value)
    if kind == "EMAIL":
        return f"{FIRST[h % len(FIRST)]}.{LAST[h // 7 % len(LAST)]}{1000 + h % 9000}@example.net"
    if kind == "PHONE":
        chinese = re.fullmatch(r"(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}", (raw or value).strip())
        return f"1380013{n:04d}" if chinese else f"+1 555-01{n % 100:02d}"
    if kind == "CARD":
        return _with_check_digit(f"400000{n:09d}")
    if kind == "ADDRESS2":
        return f"Apt {100 + n}"
    if kind in ("FIRST", "LAST"):
        names = FIRST if kind == "FIRST" else LAST
        return names[(h + n) % len(names)].title()
    if kind == "ZIP":
        return f"{90100 + (7 * n + h) % 800:05d}"
    if kind == "CITY":
        return CITIES[(h + n) % len(CITIES)]
    if re.search(r"[\u4e00-\u9fff]", value):
        return f"示例市{ZH_STREET_NAMES[h % len(ZH_STREET_NAMES)]}{n}号"
    return f"{100 + 7 * n + h % 90} {STREET_NAMES[h % len(STREET_NAMES)]}"


@dataclass
class Scrubber:
    """Replaces personal data in one conversation, remembering each value's placeholder."""

    placeholders: dict[tuple[str, str], str] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)
    known: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Names, zip codes, cities and user ids this conversation holds (from records and the shopper's words),
    each with its kind: replaced wherever they appear, since free text alone does not mark them."""

    def learn(self, messages: list[dict]) -> None:
        """Collect the identity values of a conversation before scrubbing it."""
        def walk(value) -> None:
            if isinstance(value, dict):
                for key, item in value.items():
                    if key in IDENTITY_KEYS and isinstance(item, str) and item.strip():
                        self._know(IDENTITY_KEYS[key], item.strip())
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)
            elif isinstance(value, str):
                for first, last in SAID_NAME.findall(value):
                    self._know("FIRST", first)
                    self._know("LAST", last)
                for zip_code in SAID_ZIP.findall(value):
                    self._know("ZIP", zip_code)
                for match in USER_ID.finditer(value):
                    self._know("USER", match.group(0))

        for message in messages:
            walk(_parsed(message.get("content")))
            for call in message.get("tool_calls") or []:
                walk(_parsed(call["function"]["arguments"]))

    def _know(self, kind: str, value: str) -> None:
        if kind == "USER":
            if match := USER_ID.fullmatch(value):
                self._know("FIRST", match.group(1).title())
                self._know("LAST", match.group(2).title())
        elif len(value) > 1:
            self.known.setdefault(value, (kind, value))

    def _user(self, match: re.Match) -> str:
        first = self._placeholder("FIRST", match.group(1).title()).lower()
        last = self._placeholder("LAST", match.group(2).title()).lower()
        return f"{first}_{last}_{1000 + _digest(match.group(0)) % 9000}"

    def _identities(self, text: str) -> str:
        text = USER_ID.sub(self._user, text)
        for value in sorted(self.known, key=len, reverse=True):
            if value in text:
                kind = self.known[value][0]
                text = re.sub(rf"(?<![\w@.]){re.escape(value)}(?![\w@])",
                              lambda _m, k=kind, v=value: self._placeholder(k, v), text)
        return text

    def _placeholder(self, kind: str, value: str, raw: str = "") -> str:
        key = (kind, value.strip())
        if key not in self.placeholders:
            n = sum(1 for k, _ in self.placeholders if k == kind) + 1
            self.placeholders[key] = surrogate(kind, key[1], n, raw)
        self.counts[kind.removesuffix("2")] += 1
        return self.placeholders[key]

    def _card(self, match: re.Match) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return self._placeholder("CARD", digits) if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group(0)

    def text(self, text: str) -> str:
        """Scrub free text."""
        text = EMAIL.sub(lambda m: self._placeholder("EMAIL", m.group(0)), text)
        text = CARD.sub(self._card, text)
        text = PHONE.sub(lambda m: self._placeholder("PHONE", re.sub(r"\D", "", m.group(0)), m.group(0)), text)
        return self._identities(STREET.sub(self._street, text))

    def _street(self, match: re.Match) -> str:
        # The street and the unit separately, as an address record's address1 and address2 are replaced, so that
        # an address the shopper types matches the one in the tool call made from it.
        if match.group("street") is None:
            return self._placeholder("ADDRESS", match.group(0))
        out = self._placeholder("ADDRESS", match.group("street"))
        if unit := match.group("unit"):
            separator = unit[: len(unit) - len(unit.lstrip(", "))]
            out += separator + self._placeholder("ADDRESS2", unit.lstrip(", "))
        return out

    def value(self, value):
        """Scrub a JSON value: strings as text, and the street lines of address records whole."""
        if isinstance(value, dict):
            return {k: (self._placeholder("ADDRESS" if k == "address1" else "ADDRESS2", v)
                        if k in ADDRESS_KEYS and isinstance(v, str) and v.strip() else self.value(v))
                    for k, v in value.items()}
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
        self.learn(messages)
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
