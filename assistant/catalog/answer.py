"""The shopper-facing answer to a product request, in English or Chinese, written from the search result alone.

Every name, price, option and stock word in it comes from the catalog rows the search returned, so the answer is
grounded by construction; the widget shows the same products as cards.
"""

from __future__ import annotations

from assistant.catalog.needs import Need
from assistant.catalog.search import Found, SearchResult
from knowledge.lexical import tokenize

TEXTS = {
    "intro": {"en": "Here is what I found in our catalog:", "zh": "为您在商品目录里找到："},
    "outro": {"en": "Tap a card to see its options, or tell me more about what you need.",
              "zh": "点开卡片可以查看款式，也可以告诉我更多需求。"},
    "clarify": {"en": "Happy to help you choose. What will you use it for, and do you have a budget in mind?",
                "zh": "很乐意帮您挑选。请问主要用来做什么？预算大概多少？"},
    "nothing": {"en": "I couldn't find anything in our catalog that fits that. Could you describe it another way, "
                      "or tell me what you'd use it for?",
                "zh": "抱歉，商品目录里没有找到符合的商品。可以换个说法，或告诉我您想用来做什么吗？"},
    "over_budget": {"en": "Nothing is within your budget: {name} starts at ${price:.2f}.",
                    "zh": "没有符合预算的商品：{name} 最低 ${price:.2f}。"},
    "in_stock": {"en": "in stock", "zh": "有货"},
    "out_of_stock": {"en": "out of stock", "zh": "暂时缺货"},
    "from": {"en": "from ${low:.2f}", "zh": "${low:.2f} 起"},
    "range": {"en": "${low:.2f}–${high:.2f}", "zh": "${low:.2f}–${high:.2f}"},
    "budget": {"en": "within your budget", "zh": "在预算内"},
    "options": {"en": "available as {values}", "zh": "有 {values} 款"},
    "words": {"en": "matches “{words}”", "zh": "符合“{words}”"},
}


def text(key: str, language: str, **values) -> str:
    return TEXTS[key]["zh" if language == "zh" else "en"].format(**values)


def why(found: Found, need: Need, language: str) -> list[str]:
    """The reasons this product fits, each one a fact of its record."""
    reasons = []
    if found.matched_options:
        # A yes/no option is named by its axis: "waterproof", not "yes".
        values = [axis if value.lower() == "yes" else value for axis, value in found.matched_options.items()]
        reasons.append(text("options", language, values=", ".join(values)))
    if found.matched_words:
        reasons.append(text("words", language, words=", ".join(found.matched_words)))
    if need.has_price:
        reasons.append(text("budget", language))
    asked = set(tokenize(need.query))
    for axis, values in found.entry.axes.items():
        if set(tokenize(axis)) & asked and axis not in found.matched_options:
            stocked = {str(x["options"].get(axis)) for x in found.fitting if x["available"]}
            in_stock = [v for v in values if v in stocked]
            reasons.append(f"{axis}: {', '.join(in_stock or values)}")
    return reasons


def price_text(card: dict, language: str) -> str:
    low, high = card["price_from"], card["price_to"]
    return text("range", language, low=low, high=high) if high > low else text("from", language, low=low)


def product_line(number: int, found: Found, need: Need, language: str) -> str:
    card = found.card()
    stock = text("in_stock" if card["in_stock"] else "out_of_stock", language)
    reasons = "; ".join(why(found, need, language))
    separator, comma, stop = ("：", "，", "。") if language == "zh" else (": ", ", ", ".")
    return f"{number}. **{card['name']}**{separator}{price_text(card, language)}{comma}{stock}" + (
        f"{comma}{reasons}" if reasons else "") + stop


def answer_text(result: SearchResult, need: Need, language: str) -> str:
    """The reply: the products with their reasons, or what stood in the way (the budget), or nothing found."""
    if not result.found:
        if result.over_budget:
            name, price = min(result.over_budget, key=lambda pair: pair[1])
            return text("over_budget", language, name=name, price=price)
        return text("nothing", language)
    lines = [product_line(i, found, need, language) for i, found in enumerate(result.found, start=1)]
    return "\n".join([text("intro", language), *lines, "", text("outro", language)])


def cards(result: SearchResult, need: Need, language: str) -> list[dict]:
    """The product cards for the widget, each with its reasons."""
    return [found.card() | {"why": "; ".join(why(found, need, language))
                            or text("in_stock" if found.in_stock else "out_of_stock", language)}
            for found in result.found]
