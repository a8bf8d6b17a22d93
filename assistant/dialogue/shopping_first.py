"""A shopper looking for a product is answered from the catalog before the model is asked.

A message that asks for a product (by need, attribute, price or comparison) and is about no order is searched in
the catalog by kefu itself (`assistant.catalog.search`), recorded as an ordinary tool call and result, and answered
with the products, their prices and why each fits; the widget shows them as cards. A request too vague to search
gets one clarifying question. Prices and options are filtered in code, and every fact in the answer is a catalog
row's, so no model is trusted with them. No identification is needed, and no customer's data is read.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.catalog.answer import answer_text, cards, text as answer_phrase
from assistant.catalog.follow_up import follow_up_answer, referred_card
from assistant.catalog.needs import Need, read_need
from assistant.catalog.search import ProductSearch
from assistant.db import Database
from assistant.dialogue.events import record_event
from assistant.dialogue.intents import requested_writes
from assistant.dialogue.knowledge_first import OWN_ORDER, SPECIFIC
from assistant.dialogue.model_tools import KNOWLEDGE_TOOL, tool_record
from assistant.dialogue.replies import CANNED, canned
from assistant.dialogue.tool_scope import named_orders
from assistant.redaction import session_ref

log = logging.getLogger(__name__)

CATALOG_TOOL = "search_catalog"
# A bare phrase ("polarized shades for driving") is taken for a product request only this near a product.
BARE_SIMILARITY = 0.5
# About an order, an account or a policy, not about choosing a product: left to the rest of the agent.
ORDER_WORK = re.compile(
    r"\b(orders?|ordered|package|parcel|deliver\w*|track\w*|shipment|ship|shipped|shipping|refund\w*|return\w*|"
    r"cancel\w*|exchang\w*|swap|address|payment|pay|paid|charged?|card|account|password|log ?in|warranty|"
    r"polic(y|ies)|coupon|discount|promo|invoice|receipt|complain\w*|damaged|arrived|status|state|bought|purchased|"
    r"where|the one with|trade|replace my|instead of|price match\w*|bulk|wholesale|negotiat\w*|privacy|my data|"
    r"broken|broke down|crushed|stopped working|faulty|defect\w*|guarantee\w*|covered|repair\w*)\b"
    r"|订单|退|换货|更换|取消|快递|物流|发货|到货|收货|包裹|地址|付款|支付|账户|账号|密码|保修|政策|优惠券|发票|投诉|损坏|赔偿|"
    r"买过|买的|批量|采购|特价|隐私|坏了|故障|维修|保修期", re.I)
STRONG_CUE = re.compile(
    r"\b(recommend\w*|suggest\w*|looking for|look(ing)? at buying|shopping for|do you (have|sell|carry|stock|offer)|"
    r"have you got|got any|any (good )?\w+ (for|under|below)|(gift|present) for|what (do you have|can i (get|buy))|"
    r"which (one|is better|should i)|compare|versus|vs\.?|cheapest|how much (is|are|does|do))\b"
    r"|推荐|有没有|有卖|想买|想要买|想给|送给|送礼|礼物|哪款|哪个好|哪种|多少钱|价格|预算", re.I)
WEAK_CUE = re.compile(r"\b(i need|need a|i want|want a|want to buy|i'?d like|would like|something|anything|buy|"
                      r"under|below|less than|bucks|dollars)\b|\$|想要|需要|要一|买|有吗|[?？]", re.I)


def shopping_cue(text: str) -> str | None:
    """"strong" when the message plainly shops (recommend, do you sell, 推荐, 有没有), "weak" for a bare want or
    question, "none" for a bare phrase; None when it is about an order, an account, a policy or a person."""
    if (named_orders([text]) or SPECIFIC.search(text) or OWN_ORDER.search(text) or ORDER_WORK.search(text)
            or requested_writes([text], meaning=False)):
        return None
    if STRONG_CUE.search(text):
        return "strong"
    return "weak" if WEAK_CUE.search(text) else "none"


def _previous_turn(messages) -> list:
    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    return messages[humans[-2]:humans[-1]] if len(humans) > 1 else []


def in_order_work(messages, also_free: tuple[str, ...] = ()) -> bool:
    """The previous turn worked on an order: the shopper is answering it, not shopping. Knowledge and catalog
    steps, and the tools in `also_free`, are not order work."""
    free = (KNOWLEDGE_TOOL, CATALOG_TOOL, *also_free)
    return any(isinstance(m, AIMessage) and any(c["name"] not in free for c in m.tool_calls)
               for m in _previous_turn(messages))


def offered_products(messages) -> tuple[list[dict], str | None]:
    """The product cards the previous turn's catalog search offered, and the one it answered a question about."""
    for message in reversed(_previous_turn(messages)):
        if isinstance(message, ToolMessage) and message.name == CATALOG_TOOL:
            outcome = tool_record(message)
            return list(outcome.get("products", [])), outcome.get("asked_about")
    return [], None


def catalog_step(reply: str, arguments: dict, outcome: dict, extra: dict | None = None,
                 name: str = CATALOG_TOOL) -> dict:
    """The turn's end: kefu's catalog step (the call and its result, evidence for the grounding check) and the
    reply, with the product cards the widget shows."""
    call = {"name": name, "args": arguments, "id": f"call_{uuid.uuid4().hex[:8]}", "type": "tool_call"}
    # Named as kefu's own step, so fine-tuning does not teach the model a call it never made.
    return {"messages": [
        AIMessage(content="", tool_calls=[call], name=CANNED),
        ToolMessage(content=json.dumps(outcome, ensure_ascii=False), tool_call_id=call["id"], name=name),
        canned(reply, additional_kwargs=extra or {}),
    ], "jump_to": "end"}


class ShoppingFirstMiddleware(AgentMiddleware):
    """Before the turn's first model call: answer a product request from the catalog."""

    def __init__(self, db: Database, products: ProductSearch, translate: Callable[[str], str | None] | None = None):
        super().__init__()
        self.db, self.products, self.translate = db, products, translate

    def answer(self, text: str, language: str) -> tuple[str, list[dict], Need] | None:
        """The reply and cards for a product request, or None when the message is not one kefu should answer."""
        cue = shopping_cue(text)
        if cue is None:
            return None
        need = read_need(text, self.translate)
        if need.vague:
            return (answer_phrase("clarify", language), [], need) if cue == "strong" else None
        result = self.products.search(need)
        strong_evidence = any(f.entry.name.lower().split()[-1] in need.query.lower()
                              or f.similarity >= BARE_SIMILARITY for f in result.found)
        if not result.found and not result.over_budget and cue != "strong" and not need.has_price:
            return None
        if result.found and cue != "strong" and not need.has_price and not strong_evidence:
            return None  # a bare phrase or wish only near a product is not a request for it
        return answer_text(result, need, language), cards(result, need, language), need

    @hook_config(can_jump_to=["end"])
    def before_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        if not messages or not isinstance(messages[-1], HumanMessage) or in_order_work(messages):
            return None
        text, language = str(messages[-1].content).strip(), runtime.context.language
        offered, last = offered_products(messages)
        if card := referred_card(text, offered, last):
            entry = self.products.entry(card["product_id"])
            reply = follow_up_answer(text, entry, language) if entry else None
            if reply is None:
                return None  # the model answers, with the offered products in its context
            return catalog_step(reply, {"product_id": card["product_id"], "query": text},
                               {"products": offered, "asked_about": card["product_id"]})
        started = time.perf_counter()
        try:
            answered = self.answer(text, language)
        except Exception:  # the embedder or the database failed: the rest of the agent still answers
            log.exception("product search failed in session %s", session_ref(runtime.context.session_id))
            answered = None
        runtime.context.timings["retrieval"] += time.perf_counter() - started
        if answered is None:
            return None
        reply, found, need = answered
        outcome = {"products": found, "price_min": need.price_min, "price_max": need.price_max}
        record_event(self.db, runtime.context.session_id, "product_search", cards=found,
                     products=[c["product_id"] for c in found], language=runtime.context.language,
                     outcome="clarify" if need.vague else "found" if found else "none")
        return catalog_step(reply, {"query": need.text}, outcome, {"products": found})
