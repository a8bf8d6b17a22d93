from assistant.db import Variant
from assistant.errors import ToolError
from assistant.shop.records import item_record
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool


@tool("read")
def get_item_details(ctx: ToolContext, item_id: str) -> dict:
    """Get one item (variant): its options, availability and price.

    Args:
        item_id: The item id, such as '1008292230'.
    """
    variant = ctx.session.get(Variant, item_id)
    if variant is None:
        raise ToolError("Item not found")
    return item_record(variant)
