from assistant.shop.records import order_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_order
from assistant.tools.registry import tool


@tool("read")
def get_order_details(ctx: ToolContext, order_id: str) -> dict:
    """Get the status, items, shipping address, fulfilments and payments of one of the customer's orders.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
    """
    return order_record(own_order(ctx, order_id))
