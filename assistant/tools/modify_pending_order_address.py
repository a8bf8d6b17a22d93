from assistant.errors import ToolError
from assistant.shop.records import order_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_order
from assistant.tools.registry import tool


@tool("write", target="order")
def modify_pending_order_address(ctx: ToolContext, order_id: str, address1: str, address2: str, city: str,
                                 state: str, country: str, zip: str) -> dict:
    """Change the shipping address of a pending order.

    Args:
        order_id: The order id with its leading '#', such as '#W0000000'.
        address1: First address line, such as '123 Main St'.
        address2: Second address line, such as 'Apt 1', or an empty string.
        city: City, such as 'San Francisco'.
        state: State, such as 'CA'.
        country: Country, such as 'USA'.
        zip: Zip code, such as '12345'.
    """
    order = own_order(ctx, order_id)
    if "pending" not in order.status:
        raise ToolError("Non-pending order cannot be modified")
    order.address1, order.address2, order.city = address1, address2, city
    order.state, order.country, order.zip = state, country, zip
    return order_record(order)
