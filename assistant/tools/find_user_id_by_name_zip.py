from sqlalchemy import func, select

from assistant.db import Customer
from assistant.errors import ToolError
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool


@tool("read")
def find_user_id_by_name_zip(ctx: ToolContext, first_name: str, last_name: str, zip: str) -> str:
    """Find a customer's user id by first name, last name and zip code, and authenticate this session.

    Use it only when the customer cannot give their email.

    Args:
        first_name: The customer's first name, such as 'John'.
        last_name: The customer's last name, such as 'Doe'.
        zip: The zip code of the customer's default address, such as '12345'.
    """
    user_id = ctx.session.scalar(
        select(Customer.id)
        .where(
            func.lower(Customer.first_name) == first_name.lower(),
            func.lower(Customer.last_name) == last_name.lower(),
            Customer.zip == zip,
        )
        .order_by(Customer.position)
        .limit(1)
    )
    if user_id is None:
        raise ToolError("User not found")
    ctx.authenticate(user_id)
    return user_id
