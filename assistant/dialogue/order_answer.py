"""A status or tracking question is answered straight from the order lookup, in the shopper's language.

When the shopper asked about orders without asking to change anything and every order they named has just been
looked up, the lookup is the answer: kefu writes it from the tool result (status, items, tracking ids), so every
fact is grounded by construction and the turn needs one model call less. A 135M model tuned mostly on changes
tends to look the order up again instead of answering.
"""

from __future__ import annotations

from langchain.agents.middleware import AgentMiddleware, hook_config

from assistant.dialogue.replies import canned, reply
from assistant.dialogue.tool_scope import answered_orders
from assistant.tools.summary import money

STATUS_ZH = {"pending": "待处理", "pending (item modified)": "待处理，商品已修改", "processed": "已处理，等待发货或运输中",
             "delivered": "已送达", "cancelled": "已取消", "return requested": "已申请退货",
             "exchange requested": "已申请换货"}


def _item(item: dict) -> str:
    price = f": {money(item['price'])}" if isinstance(item.get("price"), int | float) else ""
    return f"- {item.get('name')} ({item.get('item_id')}){price}"


def _amounts(order: dict, language: str) -> list[str]:
    """The order's total and what has been paid and refunded, from its payment history: "how much did I pay?"."""
    items, history = order.get("items", []), order.get("payment_history", [])
    if not items or not all(isinstance(i.get("price"), int | float) for i in items):
        return []
    moved = {kind: round(sum(e.get("amount", 0) for e in history if e.get("transaction_type") == kind), 2)
             for kind in ("payment", "refund")}
    lines = [reply("order_total", language, total=money(sum(i["price"] for i in items)))]
    lines += [reply(f"order_{kind}", language, amount=money(amount)) for kind, amount in moved.items() if amount]
    if returning := set(order.get("return_items") or []):
        # A return requested is refunded later: what goes back and what the kept items came to, "the rest".
        back = sum(i["price"] for i in items if i.get("item_id") in returning)
        kept = sum(i["price"] for i in items if i.get("item_id") not in returning)
        lines += [reply("order_returning", language, amount=money(back)), reply("order_kept", language,
                                                                              amount=money(kept))]
    return lines


def order_summary(order: dict, language: str) -> str:
    """One order's status, items with prices, amounts and tracking ids as a short Markdown block."""
    status = str(order.get("status"))
    shown = f"{status}（{STATUS_ZH[status]}）" if language == "zh" and status in STATUS_ZH else status
    items = "\n".join(_item(i) for i in order.get("items", []))
    tracking = [t for f in order.get("fulfillments", []) for t in f.get("tracking_id", [])]
    blocks = [reply("order_status", language, order_id=order.get("order_id"), status=shown, items=items)]
    if amounts := _amounts(order, language):
        blocks.append(" · ".join(amounts))  # a paragraph of its own: after a list, a bare line joins the last item
    if tracking:
        blocks.append(reply("order_tracking", language, tracking=", ".join(tracking)))
    return "\n\n".join(blocks)


class OrderAnswerMiddleware(AgentMiddleware):
    """Before the model: when the lookup just made answers the shopper's question, reply with it and end the turn."""

    @hook_config(can_jump_to=["end"])
    def before_model(self, state, runtime) -> dict | None:
        orders = answered_orders(state["messages"])
        if not orders:
            return None
        language = runtime.context.language
        text = "\n\n".join(order_summary(o, language) for o in orders) + "\n\n" + reply("anything_else", language)
        return {"messages": [canned(text)], "jump_to": "end"}
