from sqlalchemy import func, select

from assistant.db import Customer
from assistant.errors import ToolError
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool


@tool("read")
def find_user_id_by_email(ctx: ToolContext, email: str) -> str:
    """Find a customer's user id by email and authenticate this session as that customer.

    Args:
        email: The customer's email address, such as 'something@example.com'.
    """
    user_id = ctx.session.scalar(
        select(Customer.id).where(func.lower(Customer.email) == email.lower()).order_by(Customer.position).limit(1)
    )
    if user_id is None:
        raise ToolError("User not found")
    ctx.authenticate(user_id)
    return user_id
