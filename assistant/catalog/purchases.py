"""What an identified shopper bought, and which of it a message refers to, for advice tied to their orders.

"Does the hoodie I bought come in navy?", "what goes with the tent I ordered?", "something instead of the
headphones I returned": the shopper names a past purchase and asks for advice, not for a change to the order.
Only the authenticated customer's own orders are read; the caller passes the customer id that authentication
stored on the conversation, never one the model or the message supplied.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db import Order
from assistant.dialogue.grounding import ORDER_ID

# A request for advice, not a command to change the order: commands go to the order tools and their confirmation.
ASKS = re.compile(r"[?？]|\b(do (you|u|ya) (have|sell|carry|make|got)|is there|are there|anything|"
                  r"any (other|good|ideas?|suggestions?|recommendations?)|recommend\w*|suggest\w*|what|which|"
                  r"can i (get|buy)|could you (show|suggest|recommend)|show me|ideas?)\b"
                  r"|吗|有没有|推荐|什么|哪|建议", re.I)
CHANGE = re.compile(r"\b(exchange|swap|switch (it|them|to)|change (it|them|my|the|to)|return (it|them|my|the|this)|"
                    r"cancel\w*|refund\w*|send (it|them) back|modify)\b|换成|换货|换一下|帮我换|改成|退货|退款|取消", re.I)
PURCHASE = re.compile(r"\b(i|we) (just |recently |already )?(bought|ordered|purchased|got|received|returned|"
                      r"sent back)\b|"
                      r"\bmy (last |recent )?(order|purchase)\b|\b(bought|ordered|purchased) (it|this|that|them)\b"
                      r"|我买的|我买了|买过|之前买|上次买|我订的|我下单的|下单的|收到的|我退|退掉的|退回的|退了的", re.I)
KINDS = {
    "variant": re.compile(
        r"\b(another|other|different|more) (sizes?|colou?rs?|styles?|versions?|finish\w*|materials?|options?)\b|"
        r"\b(bigger|smaller|larger|roomier|tighter|looser|size (up|down))\b|\bcomes? in\b|\bavailable in\b|"
        r"\bin (a |an )?(different |other )?(size|colou?r)\b|\bsame (one|thing|item|\w+)? ?(but )?in\b|"
        r"\bwhat (sizes|colou?rs|options)\b|别的颜色|其他颜色|别的尺码|其他尺码|大一|小一|大号|小号|[色码号]的吗|颜色|尺码|尺寸",
        re.I),
    "accessory": re.compile(
        r"\b(accessor\w*|goes? (well )?with|go (well )?with|to go with|pairs? (well )?with|match\w*|compatible|"
        r"works? with|complement\w*|add-?ons?)\b|配件|搭配|配套|配什么|适配|配上", re.I),
    "replacement": re.compile(
        r"\b(instead|replacement|replace|alternatives?|similar|something else|other (options|models|brands)|"
        r"different (one|brand|model)|returned|sent back|sending back|didn'?t like|did not like|not happy with|"
        r"disappointed)\b|代替|替代|替换|类似|差不多的|别的款|其他款|换一款|退掉|退回|退了|不喜欢|不满意", re.I),
}
RECOMMEND = re.compile(r"\b(recommend\w*|suggest\w*)\b|推荐|建议", re.I)


@dataclass
class Purchase:
    """One product the customer ordered, as its latest order line has it."""

    product_id: str
    name: str
    item_id: str
    options: dict
    price: float
    order_id: str
    status: str
    returned: bool = False

    def record(self) -> dict:
        return {"product_id": self.product_id, "name": self.name, "item_id": self.item_id, "options": self.options,
                "price": self.price, "order_id": self.order_id, "status": self.status, "returned": self.returned}


def purchases_of(session, customer_id: str) -> list[Purchase]:
    """The products this customer ordered (not cancelled), each once, from their latest order."""
    orders = session.scalars(select(Order).where(Order.customer_id == customer_id, Order.status != "cancelled")
                             .order_by(Order.position)
                             .options(selectinload(Order.items), selectinload(Order.return_request)))
    latest: dict[str, Purchase] = {}
    for order in orders:
        returned = set(order.return_request.item_ids) if order.return_request else set()
        for line in order.items:
            latest[line.product_id] = Purchase(line.product_id, line.name, line.item_id, dict(line.options),
                                               float(line.price), order.id, order.status, line.item_id in returned)
    return list(latest.values())


def advice_kind(text: str) -> str | None:
    """'variant', 'accessory' or 'replacement' when the message asks for advice about something bought; None
    when it is not such a question, or is a command to change an order."""
    if not ASKS.search(text) or CHANGE.search(text) or ORDER_ID.search(text):
        return None  # a named order is one to work on
    kinds = [kind for kind, pattern in KINDS.items() if pattern.search(text)]
    if not kinds:
        return "accessory" if RECOMMEND.search(text) else None
    # "Something instead of the one I returned, in black" asks for a replacement; colour words come along.
    return "replacement" if "replacement" in kinds and "variant" in kinds else kinds[0]


def _mentions(purchase: Purchase, text: str) -> int:
    """2 when the text says the product's whole name, 1 for its head noun ('jacket' for 'Rain Jacket')."""
    name = purchase.name.lower()
    words = set(re.findall(r"[a-z0-9-]+", text))
    head = name.split()[-1]
    if name in text or name.rstrip("s") in text:
        return 2
    return int(len(head) > 2 and bool({head, head + "s", head.rstrip("s")} & words))


def referred(purchases: list[Purchase], text: str, english: str, kind: str) -> list[Purchase]:
    """The purchases the message is about. `english` is the message in the catalog's words (a Chinese message
    through the shop glossary). Unnamed, a replacement is for what was returned, and a customer who bought one
    product can only mean it."""
    said = f"{text} {english}".lower()
    scores = {p.product_id: _mentions(p, said) for p in purchases}
    best = max(scores.values(), default=0)
    if best:
        return [p for p in purchases if scores[p.product_id] == best]
    returned = [p for p in purchases if p.returned]
    return returned if kind == "replacement" and returned else purchases


def about_a_purchase(text: str, purchases: list[Purchase], english: str) -> bool:
    """The message refers to something bought: 'the jacket I ordered', '我买的', or 'my tent' for a bought tent."""
    if PURCHASE.search(text):
        return True
    heads = [p.name.lower().split()[-1] for p in purchases]
    if "我的" in text:
        return any(re.search(rf"\b{re.escape(head)}", english.lower()) for head in heads)
    return any(re.search(rf"\bmy {re.escape(head)}", text.lower()) for head in heads)
