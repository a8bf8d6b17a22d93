"""Advice tied to what a shopper bought: the same item in another size or colour, what goes with it, or what to
get instead of something returned. Written from the catalog rows and the shopper's own order lines alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.catalog.answer import product_line, text as phrase
from assistant.catalog.claims import COLOURS, MATERIALS
from assistant.catalog.needs import read_need
from assistant.catalog.purchases import Purchase
from assistant.catalog.search import Entry, Found, ProductSearch, wanted_options

SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"]
UP = re.compile(r"\b(bigger|larger|roomier|looser|size up|one size up)\b|大一|大号|更大|大点", re.I)
DOWN = re.compile(r"\b(smaller|tighter|size down|one size down)\b|小一|小号|更小|小点", re.I)
AXIS_WORDS = {"color": ("colour", "color", "颜色", "色"), "size": ("size", "尺码", "尺寸", "码", "号")}
MAX_VARIANTS = 5
OPTION_WORDS = re.compile(r"(?<![a-z])(" + "|".join(COLOURS + MATERIALS) + r")(?![a-z])", re.I)
TEXTS = {
    "which": {"en": "Which of your purchases do you mean: {names}?", "zh": "您指的是哪件商品：{names}？"},
    "variants": {"en": "The **{name}** you ordered ({order}: {options}) also comes in:",
                 "zh": "您购买的 **{name}**（{order}：{options}）还有这些款："},
    "none": {"en": "The **{name}** doesn't come in {asked} in our catalog. It comes in {values}.",
             "zh": "**{name}** 没有{asked}款。可选：{values}。"},
    "line": {"en": "- {options}: ${price:.2f}, {stock}", "zh": "- {options}：${price:.2f}，{stock}"},
    "exchange": {"en": "If you'd like one of these instead, I can exchange it on order {order}: just say which.",
                 "zh": "如需换成其中一款，我可以为订单 {order} 办理换货，告诉我选哪一款即可。"},
    "modify": {"en": "Order {order} hasn't shipped yet, so I can change the item on it: just say which.",
               "zh": "订单 {order} 还未发货，可以直接修改商品，告诉我选哪一款即可。"},
    "accessory": {"en": "These go well with your **{name}**:", "zh": "适合搭配您的 **{name}**："},
    "replacement": {"en": "Instead of the **{name}**, you could look at:", "zh": "除了 **{name}**，还可以看看："},
    "other_versions": {"en": "Other versions of the **{name}**:", "zh": "**{name}** 的其他款："},
    "nothing_related": {"en": "I couldn't find anything in our catalog to suggest for your **{name}**.",
                        "zh": "商品目录里暂时没有适合推荐给您的 **{name}** 相关商品。"},
}


def say(key: str, language: str, **values) -> str:
    return TEXTS[key]["zh" if language == "zh" else "en"].format(**values)


@dataclass
class Advice:
    reply: str
    found: list[Found] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)


def _options(options: dict) -> str:
    return ", ".join(f"{axis} {value}" if axis == "size" else str(value) for axis, value in options.items())


def _size_rank(value: str) -> float:
    if value.upper() in SIZE_ORDER:
        return SIZE_ORDER.index(value.upper())
    number = re.match(r"\d+(\.\d+)?", value)
    return float(number.group()) if number else -1


def other_variants(entry: Entry, bought: Purchase, text: str, english: str) -> tuple[list[dict], dict]:
    """The product's other variants that answer the message ('in navy', 'a size bigger', 'other colours'), those
    that keep the bought item's other options first; and the option values the message asked for."""
    wanted = {a: v for a, v in wanted_options(entry, english).items() if str(bought.options.get(a)) != v}
    size_axis = next((a for a in entry.axes if "size" in a.lower()), None)
    direction = 1 if UP.search(text) else -1 if DOWN.search(text) else 0
    said = f"{text} {english}".lower()
    asked = {a for a, words in AXIS_WORDS.items() if a in entry.axes and any(w in said for w in words)}
    changing = set(wanted) | asked | ({size_axis} if direction and size_axis else set())
    bought_size = _size_rank(str(bought.options.get(size_axis, ""))) if size_axis else -1

    def answers(variant: dict) -> bool:
        options = variant["options"]
        if variant["item_id"] == bought.item_id or any(str(options.get(a)) != v for a, v in wanted.items()):
            return False
        if any(str(options.get(a)) == str(bought.options.get(a)) for a in asked - set(wanted)):
            return False  # "other colours" are colours other than the one bought
        if direction and size_axis and bought_size >= 0:
            return (_size_rank(str(options.get(size_axis, ""))) - bought_size) * direction > 0
        return True

    def rank(variant: dict) -> tuple:
        kept = sum(str(variant["options"].get(a)) == str(v) for a, v in bought.options.items() if a not in changing)
        step = abs(_size_rank(str(variant["options"].get(size_axis, ""))) - bought_size) if direction else 0
        return (not variant["available"], -kept, step, variant["price"])

    fitting = sorted((v for v in entry.variants if answers(v)), key=rank)
    if fitting and changing:
        best_kept = -rank(fitting[0])[1]
        fitting = [v for v in fitting if -rank(v)[1] == best_kept]
    return fitting[:MAX_VARIANTS], wanted


def variant_advice(entry: Entry, bought: Purchase, text: str, language: str) -> Advice:
    """The same product in the options the shopper asks for, and how to get one (exchange, change, order)."""
    english = read_need(text).query
    fitting, wanted = other_variants(entry, bought, text, english)
    offered = {v.lower() for values in entry.axes.values() for v in values}
    # "navy" asked of a hoodie that has no navy; "wool" of Wool Socks is its name, not a wish.
    unmet = [w for w in dict.fromkeys(m.lower() for m in OPTION_WORDS.findall(english))
             if w not in offered and w not in entry.text.lower()]
    if unmet or not fitting:
        axes = [a for a in entry.axes if a in wanted or a == "color" and unmet] or list(entry.axes)
        values = "; ".join(f"{axis}: {', '.join(entry.axes[axis])}" for axis in axes)
        asked = ", ".join(unmet or wanted.values()) or ("这一" if language == "zh" else "that")
        return Advice(say("none", language, name=entry.name, asked=asked, values=values))
    lines = [say("variants", language, name=entry.name, order=bought.order_id, options=_options(bought.options))]
    for variant in fitting:
        stock = phrase("in_stock" if variant["available"] else "out_of_stock", language)
        lines.append(say("line", language, options=_options(variant["options"]), price=variant["price"], stock=stock))
    if bought.status == "delivered":
        lines += ["", say("exchange", language, order=bought.order_id)]
    elif bought.status.startswith("pending"):
        lines += ["", say("modify", language, order=bought.order_id)]
    found = Found(entry, 1.0, fitting, {a: v for a, v in wanted.items()})
    return Advice("\n".join(lines), [found], fitting)


def related_advice(search: ProductSearch, entry: Entry, bought: Purchase, kind: str, text: str, language: str,
                   owned: set[str]) -> Advice:
    """What goes with a purchase, or what to get instead of it: nearby products that fit the message's price and
    options (and, instead of a returned item, its other versions)."""
    need = read_need(text)
    found = search.related(entry.product_id, need, exclude=owned if kind == "accessory" else set())
    versions = [v for v in entry.variants if v["item_id"] != bought.item_id and v["available"]
                and (not need.has_price or need.fits(v["price"]))] if kind == "replacement" else []
    if not found and not versions:
        return Advice(say("nothing_related", language, name=entry.name))
    lines = []
    if found:
        lines.append(say(kind, language, name=entry.name))
        lines += [product_line(i, f, need, language) for i, f in enumerate(found, start=1)]
    versions = sorted(versions, key=lambda v: v["price"])[:3]
    if versions:
        lines += [""] * bool(lines) + [say("other_versions", language, name=entry.name)]
        lines += [say("line", language, options=_options(v["options"]), price=v["price"],
                      stock=phrase("in_stock", language)) for v in versions]
    return Advice("\n".join(lines), found, versions)


def which_purchase(purchases: list[Purchase], language: str) -> Advice:
    names = [p.name for p in purchases[:6]]
    joined = ("、".join(names[:-1]) + " 还是 " + names[-1]) if language == "zh" else (
        ", ".join(names[:-1]) + " or " + names[-1])
    return Advice(say("which", language, names=joined))
