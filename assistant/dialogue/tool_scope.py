"""Which tools the model is offered at each step, from the conversation's state and the shopper's own request.

Before the shopper is identified only knowledge, catalog and transfer tools are offered, and identification once
they have typed an email or zip code; after it, only the write tools that both the request (`requested_writes`)
and the statuses of the orders it names allow. Once a step's result answers the request, no tools at all. A 135M
model picks a fitting tool far more often when it cannot see the others. Offering is not authorization: the
ToolRunner still checks identity, ownership, status and confirmation on every call.
"""

from __future__ import annotations

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.dialogue.argument_repair import ZIP
from assistant.dialogue.grounding import EMAIL, ORDER_ID
from assistant.dialogue.intents import ADDRESS, CANCEL, ITEMS, PAYMENT, RETURN, requested_writes
from assistant.dialogue.model_tools import KNOWLEDGE_TOOL, is_write, tool_record
from assistant.dialogue.order_status import order_statuses
from assistant.tools import ALL_TOOLS

IDENTIFY = {"find_user_id_by_email", "find_user_id_by_name_zip", "verify_identity_code"}
OPEN = {KNOWLEDGE_TOOL, "transfer_to_human_agents", "calculate", "get_product_details", "list_all_product_types",
        "search_products"}
PENDING_WRITES = CANCEL | {"modify_pending_order_items", "modify_pending_order_address",
                           "modify_pending_order_payment"}
WRITES_BY_STATUS = {
    "pending": PENDING_WRITES,
    "pending (item modified)": PENDING_WRITES - {"modify_pending_order_items"},
    "delivered": RETURN | {"exchange_delivered_order_items"},
}
ACCOUNT_WRITES = {"modify_user_address"}
ORDER_LOOKUPS = {"get_order_details", "track_shipment"}
KEFU_STEPS = {"list_user_orders", "find_item_variants"}
"""Helpers kefu runs itself for a small model (order and variant finding); offered to the model only when the
small-model aids are off, so that a larger model can call them on its own."""


def named_orders(texts: list[str]) -> set[str]:
    """The order ids (with their '#') named in these texts."""
    return {"#" + found for text in texts for found in ORDER_ID.findall(text)}


def _looked_up(messages: list[BaseMessage]) -> dict[str, dict]:
    """The order records the conversation's successful get_order_details calls returned, by order id."""
    orders = {}
    for message in messages:
        if isinstance(message, ToolMessage) and message.name == "get_order_details":
            if record := tool_record(message):
                orders[record.get("order_id")] = record
    return orders


def _identification_offered(said: list[str]) -> set[str]:
    """The identification tools whose values the shopper has typed: never a lookup on made-up values."""
    text = " ".join(said)
    return ({"find_user_id_by_email"} if EMAIL.search(text) else set()) | (
        {"find_user_id_by_name_zip"} if ZIP.search(text) else set())


def _just_searched(messages: list[BaseMessage]) -> bool:
    last = next((m for m in reversed(messages) if not isinstance(m, SystemMessage)), None)  # past guard reminders
    return isinstance(last, ToolMessage) and last.status != "error" and last.name == KNOWLEDGE_TOOL


def answered_orders(messages: list[BaseMessage]) -> list[dict]:
    """The named orders, when the step just looked them all up for a request that changes nothing (a status or
    tracking question): the lookup is the answer. Empty otherwise."""
    last = messages[-1] if messages else None
    if not isinstance(last, ToolMessage) or last.status == "error" or last.name not in ORDER_LOOKUPS:
        return []
    said = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
    named, orders = named_orders(said), _looked_up(messages)
    if not named and last.name == "get_order_details":
        # An order the shopper described ("my latest order") and kefu found: the one just looked up.
        record = _looked_up([last])
        named = set(record)
    if not named or not named <= set(orders) or _still_requested(messages):
        return []
    return [orders[i] for i in sorted(named)]


def _still_requested(messages: list[BaseMessage]) -> set[str]:
    """The changes the shopper asked for that no write of this conversation has taken up yet (its tool message is
    the proposal; the shopper's answer to it comes after): a question asked once the return was dealt with ("what
    do the items I kept come to?") is a question, though the conversation asked for a change."""
    done_at = max((i for i, m in enumerate(messages) if isinstance(m, ToolMessage) and m.status != "error"
                   and is_write(m.name)), default=-1)
    before, after = ([str(m.content) for m in part if isinstance(m, HumanMessage)]
                     for part in (messages[:done_at + 1], messages[done_at + 1:]))
    done = {m.name for m in messages[:done_at + 1] if isinstance(m, ToolMessage) and m.status != "error"}
    asked = requested_writes(before) if before else set()
    undone = {tool for kind in (CANCEL, RETURN, ITEMS, ADDRESS, PAYMENT) if not kind & done for tool in kind & asked}
    return undone | requested_writes(after)


def offered_tools(messages: list[BaseMessage], identified: bool = False,
                  statuses: dict[str, str] | None = None) -> set[str]:
    """The tool names to offer the model after these messages (none once passages answer the question);
    `identified` when the conversation was authenticated before them (a signed token leaves no lookup). `statuses`
    are the orders' current ones, which the order records in the messages do not show once a change has run."""
    if _just_searched(messages):
        return set()
    results = [m for m in messages if isinstance(m, ToolMessage) and m.status != "error"]
    said = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
    if not identified and not any(m.name in IDENTIFY for m in results):
        return _identification_offered(said) | OPEN
    orders = _looked_up(messages)
    current = [(statuses or {}).get(order_id, record.get("status")) for order_id, record in orders.items()]
    fitting = ACCOUNT_WRITES.union(*(WRITES_BY_STATUS.get(status, set()) for status in current))
    if named_orders(said) - set(orders):
        fitting |= set().union(*WRITES_BY_STATUS.values())  # an order not looked up yet may have any status
    reads = {name for name in ALL_TOOLS if not is_write(name)} - IDENTIFY - KEFU_STEPS
    if not named_orders([*said, *(str(m.content) for m in results)]):
        reads -= ORDER_LOOKUPS  # no order named yet: ask, or list the customer's orders with get_user_details
    return reads | OPEN | (fitting & requested_writes(said))


def _identified_as(messages: list[BaseMessage]) -> str | None:
    """The customer id the conversation's last successful lookup by email or name returned, if any."""
    found = [m for m in messages if isinstance(m, ToolMessage) and m.status != "error"
             and m.name in IDENTIFY - {"verify_identity_code"}]
    return str(found[-1].content) if found else None


def _identified(runtime) -> bool:
    return getattr(getattr(runtime, "context", None), "customer_id", None) is not None


NO_CALL = "<"
IDENTIFY_UNAVAILABLE = ("use only an email, or a name and zip code, that the customer wrote; ask them for it, "
                        "unless they are already identified")
WRITE_UNAVAILABLE = ("it does not fit the customer's request or the order's status. Look the order up with "
                     "get_order_details: pending orders can be cancelled or modified, delivered ones returned or "
                     "exchanged")


def offered_now(db, messages: list[BaseMessage], runtime) -> set[str]:
    """`offered_tools` for this conversation's messages, with its authentication and its orders' current statuses."""
    session_id = getattr(getattr(runtime, "context", None), "session_id", None)
    statuses = order_statuses(db, session_id) if db is not None and session_id else {}
    return offered_tools(messages, _identified(runtime), statuses)


class ToolScopeMiddleware(AgentMiddleware):
    """Offers the model only the tools that fit now, and answers a call to a write tool not offered with an error."""

    def __init__(self, db=None):
        super().__init__()
        self.db = db

    def wrap_model_call(self, request, handler):
        # The conversation as it stands, not the request's copy: context editing clears old tool results there,
        # and a cleared lookup must not make its order look unseen (which would offer every write).
        state = request.state if isinstance(request.state, dict) else {}
        offered = offered_now(self.db, state.get("messages") or request.messages, request.runtime)
        tools = [t for t in request.tools if getattr(t, "name", None) in offered]
        if tools:
            return handler(request.override(tools=tools))
        # Without tools in the prompt the tuned model still writes calls out of habit (and, kept from "<tool", HTML);
        # vLLM's bad_words keeps "<" from starting anything.
        settings = request.model_settings | {"extra_body": {"bad_words": [NO_CALL]}}
        return handler(request.override(tools=[], model_settings=settings))

    def wrap_tool_call(self, request, handler):
        name = request.tool_call["name"]
        messages = request.state.get("messages", []) if isinstance(request.state, dict) else []
        # Other reads are left to the ToolRunner's own checks: a lookup made alongside the identification must run.
        if (not is_write(name) and name not in IDENTIFY) or name in offered_now(self.db, messages, request.runtime):
            return handler(request)
        if (known := _identified_as(messages)) is not None and name in _identification_offered(
                [str(m.content) for m in messages if isinstance(m, HumanMessage)]):
            # Asked again after identifying (the shopper repeats their details): the same answer, not an error.
            return ToolMessage(content=known, tool_call_id=request.tool_call["id"], name=name)
        reason = WRITE_UNAVAILABLE if is_write(name) else IDENTIFY_UNAVAILABLE
        return ToolMessage(content=f"Error: {name} cannot be used now: {reason}.",
                           tool_call_id=request.tool_call["id"], name=name, status="error")
