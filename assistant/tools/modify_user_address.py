from assistant.shop.records import user_record
from assistant.tools.context import ToolContext
from assistant.tools.lookup import own_customer
from assistant.tools.registry import tool


@tool("write", target="user")
def modify_user_address(ctx: ToolContext, user_id: str, address1: str, address2: str, city: str, state: str,
                        country: str, zip: str) -> dict:
    """Change the customer's default address (existing orders keep theirs).

    Args:
        user_id: The user id, such as 'sara_doe_496'.
        address1: First address line, such as '123 Main St'.
        address2: Second address line, such as 'Apt 1', or an empty string.
        city: City, such as 'San Francisco'.
        state: State, such as 'CA'.
        country: Country, such as 'USA'.
        zip: Zip code, such as '12345'.
    """
    customer = own_customer(ctx, user_id)
    customer.address1, customer.address2, customer.city = address1, address2, city
    customer.state, customer.country, customer.zip = state, country, zip
    return user_record(customer)
