import re

from assistant.db import Product
from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_order
from assistant.tools.registry import tool

_TOKEN = re.compile(r"[a-z0-9]+")


def _score(options: dict, current: dict, wanted: str, words: set[str]) -> int:
    """For each option that differs from the current item: 2 when the words say its value whole, 1 when they
    share a word with it."""
    score = 0
    for value in (str(v).lower() for k, v in options.items() if v != current.get(k)):
        if value in wanted:
            score += 2
        elif set(_TOKEN.findall(value)) & words:
            score += 1
    return score


@tool("read")
def find_item_variants(ctx: ToolContext, order_id: str, wanted: str) -> list[str]:
    """For each item of one of the customer's orders, the available variants whose options best match the words.

    One line per match: the order's item id, the new item id, its options and the price difference.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        wanted: The options the customer asked for, in their words, such as 'black, large'.
    """
    order, wanted = own_order(ctx, order_id), wanted.lower()
    words = set(_TOKEN.findall(wanted))
    lines = []
    for line in order.items:
        product = ctx.session.get(Product, line.product_id)
        scored = [(_score(v.options, line.options, wanted, words), v)
                  for v in product.variants if v.available and v.id != line.item_id]
        best = max((s for s, _ in scored), default=0)
        lines += [f"{line.name} {line.item_id} -> {v.id} ({', '.join(map(str, v.options.values()))}), "
                  f"price difference {v.price - line.price:+.2f}" for s, v in scored if best > 0 and s == best]
    return lines or ["No available variant of this order's items matches those words."]
