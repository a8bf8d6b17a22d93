from assistant.db import Product
from assistant.errors import ToolError
from assistant.shop.records import product_record
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool


@tool("read")
def get_product_details(ctx: ToolContext, product_id: str) -> dict:
    """Get a product type and all its variants (item ids, options, availability, price).

    Args:
        product_id: The product id, such as '6086499569'. Item ids are not product ids.
    """
    product = ctx.session.get(Product, product_id)
    if product is None:
        raise ToolError("Product not found")
    return product_record(product)
