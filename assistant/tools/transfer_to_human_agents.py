from assistant.db import HandoffTicket
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool


@tool("generic")
def transfer_to_human_agents(ctx: ToolContext, summary: str) -> str:
    """Transfer the customer to a human agent, with a summary of their issue.

    Use it only when the customer explicitly asks for a human, or when the request is outside what
    the tools and the policy allow.

    Args:
        summary: A short summary of the customer's issue and what has been done so far.
    """
    conversation = ctx.conversation
    conversation.status = "handed_off"
    ctx.session.add(HandoffTicket(conversation_id=conversation.id, customer_id=conversation.customer_id,
                                  summary=summary, reason="agent"))
    return "Transfer successful"
