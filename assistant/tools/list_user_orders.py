from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_customer
from assistant.tools.registry import tool


@tool("read")
def list_user_orders(ctx: ToolContext, user_id: str) -> list[str]:
    """List the authenticated customer's orders, oldest first: one line each with order id, status and items.

    Args:
        user_id: The user id, such as 'sara_doe_496'.
    """
    return [f"{order.id} | {order.status} | " + "; ".join(
        f"{line.name} ({', '.join(str(v) for v in line.options.values())})" for line in order.items)
        for order in own_customer(ctx, user_id).orders]
