from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db import Product
from assistant.errors import ToolError
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool


@tool("read")
def search_products(ctx: ToolContext, query: str = "", options: dict[str, str] | None = None,
                    available_only: bool = True, limit: int = 5) -> list[dict]:
    """Search the catalog by words in the product name and by variant options such as color or size.

    Args:
        query: Words of the product name, such as 'water bottle'; empty to match every product.
        options: Option values the variants must have, such as {"color": "blue", "size": "M"}.
        available_only: Leave out variants that are out of stock.
        limit: The most products to return (1 to 20).
    """
    if not 1 <= limit <= 20:
        raise ToolError("limit must be between 1 and 20")
    wanted = {k.lower(): v.lower() for k, v in (options or {}).items()}
    words = query.lower().split()
    products = ctx.session.scalars(select(Product).order_by(Product.position).options(selectinload(Product.variants)))
    results = []
    for product in products:
        if not all(word in product.name.lower() or word.rstrip("s") in product.name.lower() for word in words):
            continue
        variants = [
            {"item_id": v.id, "options": v.options, "available": v.available, "price": v.price}
            for v in product.variants
            if (v.available or not available_only) and _matches(v.options, wanted)
        ]
        if variants:
            results.append({"product_id": product.id, "name": product.name, "variants": variants[:10],
                            "more_variants": max(0, len(variants) - 10)})
        if len(results) == limit:
            break
    return results


def _matches(options: dict, wanted: dict[str, str]) -> bool:
    lowered = {str(k).lower(): str(v).lower() for k, v in options.items()}
    return all(lowered.get(key) == value for key, value in wanted.items())
