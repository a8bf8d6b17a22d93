from assistant.shop.records import user_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_customer
from assistant.tools.registry import tool


@tool("read")
def get_user_details(ctx: ToolContext, user_id: str) -> dict:
    """Get the authenticated customer's profile, default address, payment methods and order ids.

    Args:
        user_id: The user id, such as 'sara_doe_496'.
    """
    return user_record(own_customer(ctx, user_id))
