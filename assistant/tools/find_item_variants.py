from assistant.db import Product
from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_order
from assistant.tools.registry import tool
from assistant.tools.item_mentions import item_texts
from assistant.tools.variant_match import in_english, lines_meant, ranked_variants

PER_ITEM = 5


@tool("read")
def find_item_variants(ctx: ToolContext, order_id: str, wanted: str) -> list[str]:
    """For each item of one of the customer's orders, the available variants whose options best match the words.

    One line per match, best match first: the order's item id, the new item id, its options and the price
    difference. Only the items the words name are matched when they name any.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        wanted: The options the customer asked for, in their words, such as 'black, large'.
    """
    order = own_order(ctx, order_id)
    lines = list({line.item_id: line for line in order.items}.values())
    said = item_texts({line.item_id: line.name for line in lines}, wanted, references=False)
    named = [line for line in lines if line.item_id in said] or lines
    # Two kettles in one order: the one the shopper describes as it is ("the one-litre black one") is meant.
    text = in_english(wanted)
    named = [line for line in named if line in lines_meant([o for o in named if o.name == line.name], text)]
    out = []
    for line in named:
        product = ctx.session.get(Product, line.product_id)
        others = [v for v in product.variants if v.available and v.id != line.item_id]
        fits = ranked_variants(line.options, line.price, others, said.get(line.item_id, wanted))
        out += [f"{line.name} {line.item_id} -> {v.id} ({', '.join(map(str, v.options.values()))}), "
                f"price difference {v.price - line.price:+.2f}" for v in fits[:PER_ITEM]]
    return out or ["No available variant of this order's items matches those words."]
