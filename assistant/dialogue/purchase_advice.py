"""An identified shopper asking for advice about something they bought is answered from their orders and the
catalog before the model is asked.

"Does the hoodie I bought come in navy?", "what goes well with my tent?", "我退掉的耳机有类似的推荐吗？". The
customer is the one authentication stored on the conversation, so only their own order lines are read. The
answer is written from those lines and the catalog rows, and recorded as kefu's own step, so its items, prices
and options are evidence for the grounding check of later replies. A command to change an order ("exchange it
for a bigger size") is left to the order tools and their confirmation.
"""

from __future__ import annotations

import logging
import time

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import HumanMessage

from assistant.catalog.advice import Advice, related_advice, variant_advice, which_purchase
from assistant.catalog.needs import read_need
from assistant.catalog.purchases import about_a_purchase, advice_kind, purchases_of, referred
from assistant.catalog.search import ProductSearch
from assistant.db import Conversation, Database
from assistant.dialogue.events import record_event
from assistant.dialogue.shopping_first import in_order_work, catalog_step
from assistant.redaction import session_ref
from assistant.tools.identification import IDENTIFY, VERIFY

log = logging.getLogger(__name__)

ADVICE_TOOL = "advise_on_purchase"
# The shopper may ask right after identifying: that is not an order being worked on.
IDENTIFICATION = (*IDENTIFY, VERIFY, ADVICE_TOOL)
WHY = {"variant": {"en": "another version of your {name}", "zh": "您购买的 {name} 的其他款"},
       "accessory": {"en": "goes with your {name}", "zh": "搭配您的 {name}"},
       "replacement": {"en": "instead of your {name}", "zh": "可替代您的 {name}"}}


class PurchaseAdviceMiddleware(AgentMiddleware):
    """Before the turn's first model call: advice tied to the identified customer's own purchases."""

    def __init__(self, db: Database, products: ProductSearch):
        super().__init__()
        self.db, self.products = db, products

    def advise(self, customer_id: str, text: str, kind: str, language: str) -> tuple[Advice, dict] | None:
        """The advice of this kind and the purchase it is about; None when the message is about no purchase."""
        english = read_need(text).query
        with self.db.session() as session:
            purchases = purchases_of(session, customer_id)
        if not purchases or not about_a_purchase(text, purchases, english):
            return None
        meant = referred(purchases, text, english, kind)
        if len(meant) > 1:
            return which_purchase(meant, language), {"asked_which": [p.product_id for p in meant]}
        bought = meant[0]
        entry = self.products.entry(bought.product_id)
        if entry is None:  # the product left the catalog
            return None
        if kind == "variant":
            advice = variant_advice(entry, bought, text, language)
        else:
            owned = {p.product_id for p in purchases}
            advice = related_advice(self.products, entry, bought, kind, text, language, owned)
        return advice, {"purchase": bought.record()}

    @hook_config(can_jump_to=["end"])
    def before_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        if not messages or not isinstance(messages[-1], HumanMessage) or in_order_work(messages, IDENTIFICATION):
            return None
        kind = advice_kind(str(messages[-1].content))
        if kind is None:
            return None  # read before the database is asked who the customer is
        ctx = runtime.context
        with self.db.session() as session:
            conversation = session.get(Conversation, ctx.session_id)
            customer_id = conversation.customer_id if conversation else None
        if customer_id is None:
            return None  # identification first: the rest of the agent asks for it
        text, started = str(messages[-1].content).strip(), time.perf_counter()
        try:
            advised = self.advise(customer_id, text, kind, ctx.language)
        except Exception:  # the embedder or the database failed: the rest of the agent still answers
            log.exception("purchase advice failed in session %s", session_ref(ctx.session_id))
            advised = None
        ctx.timings["retrieval"] += time.perf_counter() - started
        if advised is None:
            return None
        advice, about = advised
        lang = "zh" if ctx.language == "zh" else "en"
        name = about.get("purchase", {}).get("name", "")
        cards = [found.card() | {"why": WHY[kind][lang].format(name=name)} for found in advice.found]
        record_event(self.db, ctx.session_id, "product_search", cards=cards, advice=kind,
                     products=[c["product_id"] for c in cards], language=ctx.language,
                     outcome="clarify" if "asked_which" in about else "found" if cards or advice.variants else "none")
        outcome = about | {"kind": kind, "products": cards, "variants": advice.variants}
        return catalog_step(advice.reply, {"query": text, "kind": kind}, outcome, {"products": cards},
                            name=ADVICE_TOOL)
