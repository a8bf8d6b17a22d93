"""Finding the variant a shopper asks for ("the same but in black") once the order is looked up.

A small model cannot pick the right item id out of a product's dozens of variants; code can match the shopper's
words against the option values. When the shopper wants an item swapped and an order is looked up, kefu runs
`find_item_variants` as its own step, so the model sees the candidate item ids with their price differences.
"""

from __future__ import annotations

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import HumanMessage, ToolMessage

from assistant.db import Database
from assistant.dialogue.identify_first import own_step
from assistant.dialogue.intents import ADDRESS, ITEMS, PAYMENT, requested_writes
from assistant.dialogue.item_repair import ITEM_ID
from assistant.dialogue.model_tools import tool_record
from assistant.dialogue.order_status import order_statuses
from assistant.tools import ToolRunner

SWAPPABLE = {"pending", "delivered"}
NO_MATCH = "No available variant"


def _looked_up_order(messages) -> tuple[str | None, list[str]]:
    """The order of the latest lookup, and what the shopper said, unless variants were matched since their last
    message."""
    order_id, said, matched = None, [], False
    for message in messages:
        if isinstance(message, HumanMessage):
            said.append(str(message.content))
            matched = False
        elif isinstance(message, ToolMessage) and message.status != "error":
            if message.name == "find_item_variants":
                matched = True
            elif message.name == "get_order_details" and (record := tool_record(message)).get("status") in SWAPPABLE:
                order_id = record.get("order_id")
    return (None if matched else order_id), said


class VariantFinderMiddleware(AgentMiddleware):
    """Before a model call: match the shopper's words to the looked-up order's item variants."""

    def __init__(self, db: Database, ttl_s: int):
        super().__init__()
        self.db, self.ttl_s = db, ttl_s

    def before_model(self, state, runtime) -> dict | None:
        order_id, said = _looked_up_order(state["messages"])
        if order_id is None:
            return None
        ctx = runtime.context
        # The record looked up may be stale: an item changed since leaves nothing to swap in that order.
        if order_statuses(self.db, ctx.session_id).get(order_id, "pending") not in SWAPPABLE \
                or not self.wants_a_swap(said):
            return None
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s, language=ctx.language)
        step = own_step(runner, ctx, "find_item_variants", {"order_id": order_id, "wanted": " ".join(said)[-800:]})
        # Only a match helps; "nothing matches" would be one more thing for a small model to misread.
        return None if str(step["messages"][-1].content).startswith(NO_MATCH) else step

    @staticmethod
    def wants_a_swap(said: list[str]) -> bool:
        """An item swap asked for in so many words, with no new item id given (then there is nothing to find)."""
        wanted = requested_writes(said)
        unnamed_change = ADDRESS | PAYMENT <= wanted  # "change my order": every change is offered, none asked
        return bool(wanted & ITEMS) and not unnamed_change and not any(ITEM_ID.search(t) for t in said)
