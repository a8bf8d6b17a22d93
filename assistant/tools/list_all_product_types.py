import json

from sqlalchemy import select

from assistant.db import Product
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool


@tool("read")
def list_all_product_types(ctx: ToolContext) -> str:
    """List the name and product id of every product type the shop sells."""
    rows = ctx.session.execute(select(Product.name, Product.id).order_by(Product.position))
    return json.dumps(dict(sorted(dict(rows.all()).items())))
