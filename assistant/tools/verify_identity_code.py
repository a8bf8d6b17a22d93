from assistant.tools.context import ToolContext
from assistant.tools.identification import check_code
from assistant.tools.registry import tool


@tool("read")
def verify_identity_code(ctx: ToolContext, code: str) -> str:
    """Check the one-time code sent to the customer's email and, if it is right, authenticate this session.

    Args:
        code: The 6-digit code the customer typed, such as '042917'.
    """
    customer_id = check_code(ctx.session, ctx.session_id, code)
    ctx.authenticate(customer_id)
    return customer_id
