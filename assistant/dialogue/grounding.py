"""The grounding check: every order and product fact in a reply must appear in this conversation's evidence.

Facts are order ids, long numeric ids (items, products, tracking numbers), payment-method and user ids, emails,
money amounts and order statuses, and, given the shop's catalog, the products a reply names and the option values
it gives them ("the Desk Lamp comes in silver"). Ids, product names and option values may echo what the shopper
wrote; amounts and statuses must come from tool results or knowledge passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ORDER_ID = re.compile(r"#?\b(W\d{7})\b")
LONG_ID = re.compile(r"(?<![\d.,$])\b(\d{10,12})\b")
NAMED_ID = re.compile(r"\b((?:credit_card|gift_card|paypal)_\d+|[a-z]+_[a-z]+_\d{4})\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
AMOUNT = re.compile(r"(?:\$|USD\s?|￥|¥)\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?(?:dollars|USD|美元|元)")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
STATUSES = {"pending": "pending", "processed": "processed", "delivered": "delivered", "cancelled": "cancelled",
            "canceled": "cancelled", "shipped": "processed", "return requested": "return requested",
            "exchange requested": "exchange requested", "待处理": "pending", "已发货": "processed",
            "已送达": "delivered", "已签收": "delivered", "已取消": "cancelled"}
_ORDER_WORDS = re.compile(r"\border\b|订单|#?W\d{7}", re.I)
# Option values that are everyday words say nothing about a product on their own ("no", "none", "standard").
_PLAIN_WORDS = {"yes", "none", "standard", "basic", "plain", "custom", "other", "one", "all"}
_SENTENCE = re.compile(r"(?<=[.!?。！？\n])\s*")
# "can no longer be cancelled", "cannot be returned": a status named as a possibility is not a claim about the order.
_NOT_A_CLAIM = re.compile(r"(?:\bbe|\bnot|n't|\bnever|\bno longer|\bonly|无法|不能|不可以)\s*$")


def _number(text: str) -> float | None:
    try:
        return round(float(text.replace(",", "")), 2)
    except ValueError:
        return None


@dataclass
class Evidence:
    """What this conversation has established: tool results and passages, and what the shopper said."""

    data: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    catalog: Catalog | None = None
    """The shop's products and their option values; None checks no product facts."""

    def add_data(self, text: str) -> None:
        self.data.append(text)

    def add_said(self, text: str) -> None:
        self.said.append(text)

    @property
    def _data_text(self) -> str:
        return "\n".join(self.data)

    def has_id(self, value: str) -> bool:
        return any(value in text for text in (*self.data, *self.said))

    def numbers(self) -> set[float]:
        return {n for n in map(_number, NUMBER.findall(self._data_text)) if n is not None}

    def has_word(self, value: str) -> bool:
        return any(_says(value, text.lower()) for text in (*self.data, *self.said))

    def has_status(self, status: str) -> bool:
        data = self._data_text.lower()
        return any(word in data for word, canonical in STATUSES.items() if canonical == status)


def _says(value: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(value)}(?:e?s)?(?![a-z0-9])", text) is not None


@dataclass(frozen=True)
class Catalog:
    """Product name → option values, lowercased, with one pattern that finds every name in a reply at once (the
    check runs on every streamed chunk, so it must not scan the catalog name by name)."""

    options: dict[str, frozenset[str]]
    names: re.Pattern

    @classmethod
    def of(cls, options: dict[str, frozenset[str]]) -> Catalog:
        longest_first = sorted(options, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, longest_first)) or r"(?!)"
        return cls(options, re.compile(rf"(?<![a-z0-9])({alternatives})(?:e?s)?(?![a-z0-9])"))


def product_facts(reply: str, catalog: Catalog) -> list[tuple[str, str]]:
    """The catalog's products a reply names, and the option values of those products it states."""
    lowered, found = reply.lower(), []
    for name in dict.fromkeys(m.group(1) for m in catalog.names.finditer(lowered)):
        found.append(("product", name))
        found += [("option", value) for value in sorted(catalog.options[name])
                  if len(value) > 2 and value not in _PLAIN_WORDS and _says(value, lowered)]
    return found


def facts(reply: str, catalog: Catalog | None = None) -> list[tuple[str, str]]:
    """(kind, value) of every checkable fact in a reply; product facts only when the catalog is given."""
    found = [("order_id", m) for m in ORDER_ID.findall(reply)]
    found += [("id", m) for m in LONG_ID.findall(reply)]
    found += [("id", m) for m in NAMED_ID.findall(reply)]
    found += [("id", m) for m in EMAIL.findall(reply)]
    for dollars, bare in AMOUNT.findall(reply):
        if (value := _number(dollars or bare)) is not None:
            found.append(("amount", f"{value:.2f}"))
    for sentence in _SENTENCE.split(reply):
        if _ORDER_WORDS.search(sentence):
            lowered = sentence.lower()
            for word, status in STATUSES.items():
                for match in re.finditer(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered):
                    if not _NOT_A_CLAIM.search(lowered[max(0, match.start() - 20): match.start()]):
                        found.append(("status", status))
    found += product_facts(reply, catalog) if catalog else []
    return list(dict.fromkeys(found))


def unverified(reply: str, evidence: Evidence) -> list[str]:
    """The facts of `reply` that the evidence does not support (empty when the reply is grounded)."""
    numbers = None
    missing = []
    for kind, value in facts(reply, evidence.catalog):
        if kind in ("order_id", "id"):
            ok = evidence.has_id(value)
        elif kind in ("product", "option"):
            ok = evidence.has_word(value)
        elif kind == "amount":
            numbers = evidence.numbers() if numbers is None else numbers
            ok = float(value) in numbers
        else:
            ok = evidence.has_status(value)
        if not ok:
            missing.append(f"{kind} {value}")
    return missing
