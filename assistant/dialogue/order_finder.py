"""Finding the order a shopper means when they describe it instead of giving its id.

Shoppers say "the order with the lamp", "my order that hasn't shipped" or "the last thing I bought" far more often
than "#W2378156". Once the shopper is identified and asks about an order without naming its id, kefu looks at the
customer's orders the way a person would: it keeps those whose items, status or recency fit the words (and whose
status fits the request), then looks up the one that fits as its own step, or lists the orders when several do so
the agent can ask which one. A small model cannot match words against a JSON of orders; code can.
"""

from __future__ import annotations

import re
from collections import Counter

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import HumanMessage, ToolMessage
from sqlalchemy import select

from assistant.db import Conversation, Database, Order, PendingAction
from assistant.dialogue.grounding import ORDER_ID
from assistant.dialogue.identify_first import own_step
from assistant.dialogue.intents import ADDRESS, ANY_CHANGE, CANCEL, ITEMS, ORDER_TALK, PAYMENT, RETURN, requested_writes
from assistant.dialogue.model_tools import tool_record
from assistant.tools import ToolRunner
from assistant.tools.variant_match import in_english, said_as_now

STATUS_WORDS = {
    "pending": ("not shipped", "hasn't shipped", "has not shipped", "not sent", "hasn't been sent", "not yet sent",
                "hasn't gone out", "not gone out", "still waiting", "pending", "not dispatched", "未发货", "没发货",
                "还没发", "待发货", "还没寄", "等待发货"),
    "delivered": ("arrived", "delivered", "received", "got it", "came", "签收", "送到", "收到", "到货", "已送达"),
    "processed": ("on its way", "in transit", "shipped", "on the way", "left the warehouse", "在路上", "已发货",
                  "已发出", "运输中", "发出"),
}
RECENT_WORDS = ("most recent", "latest", "last order", "newest", "last one", "last thing", "recent order",
                "最近", "最新", "上一单", "刚下的")
NEEDS_STATUS = [(CANCEL | (ITEMS - {"exchange_delivered_order_items"}) | (ADDRESS - {"modify_user_address"}) | PAYMENT,
                 {"pending"}), (RETURN | {"exchange_delivered_order_items"}, {"delivered"})]
KINDS = (CANCEL, RETURN, ITEMS, ADDRESS, PAYMENT)
LOOKED_UP = ("get_order_details", "list_user_orders")
BACK_REFERENCES = ("same order", "that order", "this order", "that one", "the same one", "those items", "同一个订单",
                   "同一单", "这个订单", "那个订单", "这一单", "那一单", "这单", "该订单")
_WORD = re.compile(r"[a-z]+")
# "the one that came on its own, not the one that came with the tablet": the tablet says which order is not meant.
_NOT_THIS = re.compile(r"\bnot (?:the|that|this|my) (?:one|order|package|parcel|delivery)\b[^.;!?]*"
                       r"|不是[^，。；！？,.;!?]{0,20}那一?单")
_ALONE = re.compile(r"\b(came|arrived|ordered|bought|shipped|delivered|purchased)\s+(on its own|by itself|alone)\b"
                    r"|单独(买|下|寄|发|订)|单买")


def _item_score(order: Order, text: str, words: set[str], telling: set[str]) -> int:
    """2 for each item whose whole name the text says, 1 when only its last word ('lamp' for 'Desk Lamp') or a word
    no other item of the customer's has ('vacuum' for 'Vacuum Cleaner')."""
    score = 0
    for name in {line.name.lower() for line in order.items}:
        head = name.split()[-1]
        if name in text or name.rstrip("s") in text:
            score += 2
        elif len(head) > 3 and (head in words or head + "s" in words or head.rstrip("s") in words):
            score += 1
        elif set(name.split()[:-1]) & telling & words:
            score += 1
    return score


def _said_options(order: Order, text: str) -> int:
    """How many of the order's item options the shopper says as they are now, not as what they want instead."""
    return said_as_now([v for line in order.items for v in (line.options or {}).values()], text)


def _best_by_options(candidates: list[Order], text: str) -> list[Order]:
    """Among orders whose items fit the words equally, those whose item options the shopper names most."""
    said = {o.id: _said_options(o, text) for o in candidates}
    best = max(said.values())
    return [o for o in candidates if said[o.id] == best] if best else candidates


def _telling_words(orders: list[Order]) -> set[str]:
    """The words, other than the last, of exactly one of the item names in these orders: "smart" may mean a watch
    or a thermostat, "vacuum" only the vacuum cleaner."""
    names = {line.name.lower() for order in orders for line in order.items}
    counts = Counter(word for name in names for word in set(name.split()))
    return {word for name in names for word in name.split()[:-1] if len(word) > 3 and counts[word] == 1}


def _statuses_for(wanted: set[str]) -> set[str] | None:
    fitting = [statuses for tools, statuses in NEEDS_STATUS if wanted & tools]
    return set().union(*fitting) if fitting else None


def fitting_orders(orders: list[Order], texts: list[str], focus: str | None = None,
                   declined: str | None = None) -> list[Order]:
    """The customer's orders that fit what the shopper said, best fits only; oldest first. `focus` is the order
    the conversation last dealt with: "that same order" means it, when the words pick out no other. `declined` is
    the order of a change the shopper has just said no to while asking for that same kind of change: another order
    that fits as well is meant, not that one."""
    text = in_english(" ".join(texts))  # "黄色跑鞋" names the Running Shoes
    fits = _fitting(orders, texts, text)
    if declined:
        return [o for o in fits if o.id != declined] or fits
    if len(fits) != 1 and focus and any(p in text for p in BACK_REFERENCES):
        return [o for o in orders if o.id == focus] or fits
    return fits


def declined_order(declined: tuple[str, dict] | None, texts: list[str]) -> str | None:
    """The order of the change declined this turn, when the shopper asks again for that kind of change only ("change
    the items" reads as a swap or an exchange: both are the kind of an item swap); a "no" that asks for another kind
    of change is about the same order."""
    if declined is None or not isinstance(order_id := declined[1].get("order_id"), str):
        return None
    kind = next((tools for tools in KINDS if declined[0] in tools), {declined[0]})
    wanted = requested_writes(texts)
    generic = declined[0] in wanted and wanted >= ANY_CHANGE  # "change it" names no kind
    return order_id if wanted <= kind or generic else None


def _fitting(orders: list[Order], texts: list[str], text: str) -> list[Order]:
    negated = " ".join(m.group() for m in _NOT_THIS.finditer(text))
    text = _NOT_THIS.sub(" ", text)
    words = set(_WORD.findall(text))
    allowed = _statuses_for(requested_writes(texts))
    candidates = [o for o in orders if allowed is None or o.status in allowed]
    telling = _telling_words(orders)
    scores = {o.id: _item_score(o, text, words, telling) for o in candidates}
    if any(scores.values()):
        best = max(scores.values())
        candidates = [o for o in candidates if scores[o.id] == best]
    if len(candidates) > 1 and negated:
        not_meant = {o.id for o in candidates if _item_score(o, negated, set(_WORD.findall(negated)), telling)}
        candidates = [o for o in candidates if o.id not in not_meant] or candidates
    alone = bool(_ALONE.search(text))  # "not the one that came by itself" means one that came with others
    if len(candidates) > 1 and (alone or _ALONE.search(negated)):
        candidates = [o for o in candidates if (len({line.name for line in o.items}) == 1) == alone] or candidates
    if len(candidates) > 1:
        candidates = _best_by_options(candidates, text)
    said_statuses = {s for s, phrases in STATUS_WORDS.items() if any(p in text for p in phrases)}
    if said_statuses and any(o.status in said_statuses for o in candidates):
        candidates = [o for o in candidates if o.status in said_statuses]
    if any(p in text for p in RECENT_WORDS) and candidates:
        candidates = [max(candidates, key=lambda o: o.position)]
    return candidates


def about_an_order(texts: list[str]) -> bool:
    """Whether the shopper's words are about one of their orders (a change to one, or where it is)."""
    text = " ".join(texts).lower()
    return bool(requested_writes(texts) - {"modify_user_address"}) or any(p in text for p in ORDER_TALK)


def _request_texts(messages) -> tuple[list[str], bool]:
    """The shopper's messages since the last order looked up (none when nothing was said since kefu last looked
    up or listed orders), and whether the orders were listed since."""
    texts: list[str] = []
    listed = False
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and message.name in LOOKED_UP and message.status != "error":
            if not texts or message.name == "get_order_details":
                return texts, listed
            listed = True
        if isinstance(message, HumanMessage):
            texts.insert(0, str(message.content))
    return texts, listed


def first_named(orders: list[Order], texts: list[str], done: set[str]) -> Order | None:
    """Of the orders whose items the shopper named, the one named first that no change has been made to yet:
    "the tablet ..., also cancel the charger ..., and return the sneaker" is worked through in the order said."""
    text = in_english(" ".join(texts))
    at = []
    for order in orders:
        names = {form for line in order.items for name in (line.name.lower(), line.name.lower().split()[-1])
                 for form in (name, name.rstrip("s"))}  # "the sneaker" names the Sneakers, as in _item_score
        if order.id not in done and (found := [text.find(n) for n in names if len(n) > 3 and n in text]):
            at.append((min(found), order.id))
    at.sort()
    if not at or (len(at) > 1 and at[0][0] == at[1][0]):
        return None  # nothing named, or the same item in two orders: the shopper has to say which
    return next(o for o in orders if o.id == at[0][1])


def _focus(messages) -> str | None:
    """The order id of the conversation's last successful order lookup or change."""
    for message in reversed(messages):
        if isinstance(message, ToolMessage) and isinstance(order_id := tool_record(message).get("order_id"), str):
            return order_id
    return None


class OrderFinderMiddleware(AgentMiddleware):
    """Before a model call: resolve an order the shopper described, by looking it up (one fits) or listing them."""

    def __init__(self, db: Database, ttl_s: int):
        super().__init__()
        self.db, self.ttl_s = db, ttl_s

    def before_model(self, state, runtime) -> dict | None:
        texts, listed = _request_texts(state["messages"])
        if not texts or any(ORDER_ID.search(t) for t in texts) or not about_an_order(texts):
            return None
        ctx = runtime.context
        with self.db.session() as session:
            conversation = session.get(Conversation, ctx.session_id)
            if conversation is None or conversation.customer_id is None:
                return None
            customer_id = conversation.customer_id
            orders = list(session.scalars(select(Order).where(Order.customer_id == customer_id)
                                          .order_by(Order.position)))
            declined = declined_order(ctx.declined, texts)
            fits = fitting_orders(orders, texts, _focus(state["messages"]), declined)
            changed = set(session.scalars(select(PendingAction.arguments["order_id"].as_string()).where(
                PendingAction.conversation_id == ctx.session_id, PendingAction.status == "executed")))
            first = first_named(orders, texts, changed | {declined} - {None}) if len(fits) > 1 else None
            if not fits or (listed and len(fits) > 1 and not first):
                return None  # the orders are listed already: the shopper's answer has to narrow them down
            steps = [("list_user_orders", {"user_id": customer_id})] if len(fits) > 1 and not listed else []
            if len(fits) == 1 or first:
                steps.append(("get_order_details", {"order_id": (first or fits[0]).id}))
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s, language=ctx.language)
        return {"messages": [m for name, arguments in steps for m in own_step(runner, ctx, name, arguments)["messages"]]}
