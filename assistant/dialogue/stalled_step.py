"""When the model stalls on a change kefu can already propose, kefu proposes it.

With the shopper identified, the order looked up and one change tool offered, a 135M model sometimes asks again who
the shopper is, repeats the lookup it just made, or apologises a second time that it cannot reach the account. Its
draft is then replaced by a call to that one tool on the order looked up last, with the arguments left to the
argument repair (the items named, the variants found, the payment method named, the address typed). The shopper
still sees the change and confirms it, and the ToolRunner checks it as always.
"""

from __future__ import annotations

import copy
import uuid

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from assistant.dialogue.account_repair import NEEDED_STATUS
from assistant.dialogue.events import record_event
from assistant.dialogue.flow import GUARD_NAME, this_turn
from assistant.dialogue.identify_first import has_customer
from assistant.dialogue.model_tools import is_write, tool_record
from assistant.dialogue.order_status import order_statuses
from assistant.dialogue.refusal import NUDGE, refused
from assistant.dialogue.tool_scope import named_orders, offered_now
from assistant.dialogue.typed_address import the_typed_address
from assistant.dialogue.wasted_steps import asks_identity, repeated_lookup

_ITEMS = {"item_ids": [], "new_item_ids": [], "payment_method_id": ""}
SKELETONS = {
    "cancel_pending_order": {"reason": "no longer needed"},
    "return_delivered_order_items": {"item_ids": [], "payment_method_id": ""},
    "exchange_delivered_order_items": _ITEMS,
    "modify_pending_order_items": _ITEMS,
    "modify_pending_order_payment": {"payment_method_id": ""},
}
"""The calls kefu can start with the order id alone; the argument repair fills in the rest from the conversation."""


def _stalled(draft: AIMessage, turn: list) -> bool:
    if draft.tool_calls:
        return repeated_lookup(draft, turn)
    text = str(draft.content)
    refused_before = any(isinstance(m, SystemMessage) and m.name == GUARD_NAME and m.content.startswith(NUDGE[:30])
                         for m in turn)
    return asks_identity(text) or (refused(text) and refused_before)


def _last_order(messages) -> str | None:
    """The order looked up last, or else the one order the shopper named."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and message.name == "get_order_details" and message.status != "error":
            if isinstance(order_id := tool_record(message).get("order_id"), str):
                return order_id
    named = named_orders([str(m.content) for m in messages if isinstance(m, HumanMessage)])
    return named.pop() if len(named) == 1 else None


def stalled_call(db, session_id: str, messages: list, offered: set[str]) -> dict | None:
    """The call kefu makes for a stalled model: the one change offered, on the order looked up last (or named) when
    it is the customer's own and its status allows the change (the account's address needs the one new address the
    shopper typed); None when there is no such call."""
    writes = [name for name in offered if is_write(name)]
    if len(writes) != 1:
        return None
    name = writes[0]
    if name == "modify_user_address":
        said = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
        address = the_typed_address(said, " ".join(str(m.content) for m in messages if isinstance(m, ToolMessage)))
        return {"name": name, "args": {"user_id": "", **address}} if address else None
    order_id = _last_order(messages)
    if name not in SKELETONS or order_id is None or order_statuses(db, session_id).get(order_id) != NEEDED_STATUS[name]:
        return None
    return {"name": name, "args": {"order_id": order_id, **copy.deepcopy(SKELETONS[name])}}


class StalledStepMiddleware(AgentMiddleware):
    """After the model, before the argument repair: a stalled draft becomes the one change kefu can propose."""

    def __init__(self, db):
        super().__init__()
        self.db = db

    def after_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        draft = messages[-1] if messages else None
        session_id = runtime.context.session_id
        if not (isinstance(draft, AIMessage) and _stalled(draft, this_turn(messages)[:-1])
                and has_customer(self.db, session_id)):
            return None
        if (call := stalled_call(self.db, session_id, messages, offered_now(self.db, messages, runtime))) is None:
            return None
        record_event(self.db, session_id, "stalled_step_proposed", tool=call["name"])
        call |= {"id": f"call_{uuid.uuid4().hex[:8]}", "type": "tool_call"}
        return {"messages": [draft.model_copy(update={"content": "", "tool_calls": [call]})]}
