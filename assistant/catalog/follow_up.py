"""A question about a product kefu just offered: "does the first one come in black?", "第二个有大号吗？".

The product is found by its place in the list, its name, or "it" when one was offered; the options asked for are
read against its variants in code, and the answer lists the in-stock variants that have them, with their prices,
or the values it does come in.
"""

from __future__ import annotations

import re

from assistant.catalog.needs import read_need
from assistant.catalog.search import Entry, wanted_options

ORDINALS = [(re.compile(r"\b(first|1st)\b|第一|头一", re.I), 0), (re.compile(r"\b(second|2nd)\b|第二", re.I), 1),
            (re.compile(r"\b(third|3rd)\b|第三", re.I), 2), (re.compile(r"\b(last one)\b|最后", re.I), -1)]
ONLY_ONE = re.compile(r"\b(it|that one|this one|that|this)\b|这个|那个|它|这款|那款", re.I)
MAX_LISTED = 4
TEXTS = {
    "has": {"en": "Yes, **{name}** comes in {wanted}:", "zh": "有的，**{name}** 有 {wanted} 款："},
    "lacks": {"en": "**{name}** isn't available in {wanted} right now. In stock: {axis} {values}.",
              "zh": "**{name}** 目前没有 {wanted} 款。有货的{axis}：{values}。"},
    "variant": {"en": "- {options}: ${price:.2f}", "zh": "- {options}：${price:.2f}"},
}


def referred_card(text: str, cards: list[dict], last: str | None = None) -> dict | None:
    """The offered card the message is about (by place, name, "it", or else the one `last` asked about)."""
    if not cards:
        return None
    for pattern, index in ORDINALS:
        if pattern.search(text) and -len(cards) <= index < len(cards):
            return cards[index]
    lowered = text.lower()
    named = [c for c in cards if c["name"].lower() in lowered or c["name"].lower().split()[-1] in lowered]
    if len(named) == 1:
        return named[0]
    if len(cards) == 1 and ONLY_ONE.search(text):
        return cards[0]
    return next((c for c in cards if c["product_id"] == last), None) if not named else None


def follow_up_answer(text: str, entry: Entry, language: str) -> str | None:
    """Whether the product has the options the message names, from its variants; None when it names none."""
    wanted = wanted_options(entry, read_need(text).query)
    if not wanted:
        return None
    lang = "zh" if language == "zh" else "en"
    matching = [v for v in entry.variants if v["available"]
                and all(str(v["options"].get(axis)) == value for axis, value in wanted.items())]
    described = ", ".join(wanted.values())
    if not matching:
        axis = next(iter(wanted))
        values = sorted({str(v["options"][axis]) for v in entry.variants if v["available"] and axis in v["options"]})
        return TEXTS["lacks"][lang].format(name=entry.name, wanted=described, axis=axis, values=", ".join(values))
    lines = [TEXTS["has"][lang].format(name=entry.name, wanted=described)]
    for variant in sorted(matching, key=lambda v: v["price"])[:MAX_LISTED]:
        options = ", ".join(f"{k}: {v}" for k, v in variant["options"].items())
        lines.append(TEXTS["variant"][lang].format(options=options, price=variant["price"]))
    return "\n".join(lines)
