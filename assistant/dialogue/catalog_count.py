"""How many options a product comes in ("how many t-shirt options are available right now?", "T恤有多少款？",
"how many colours does the backpack come in?") is answered from the catalog in code, beside whatever else the turn
does: the shopper may ask it in the same message as a change, before they have identified, and a small model
neither counts a list of variants nor keeps a second question in mind.
"""

from __future__ import annotations

import re

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, ToolMessage
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db import Database, Product
from assistant.dialogue.identify_first import own_step
from assistant.dialogue.replies import reply
from assistant.tools import ToolRunner
from assistant.tools.variant_match import in_english

_KIND = r"(options?|variants?|kinds?|types?|versions?|styles?|models?|choices?|(?P<option>colou?rs?|sizes?))"
ASK_EN = re.compile(rf"\bhow many\b(?P<what>[^.?!]{{0,60}}?)\b{_KIND}\b", re.I)
ASK_ZH = re.compile(r"(?P<what>[^，。？！,.?!]{1,20}?)(一共|总共|共)?(有)?多少(?P<kind>种颜色|种尺码|种|款|个|类)")
_OPTION_KEYS = {"colo": ("color", "colour", "颜色"), "size": ("size", "尺码")}
_ALNUM = re.compile(r"[^a-z0-9]+")


def _flat(text: str) -> str:
    return _ALNUM.sub("", text.lower())


def count_question(text: str) -> tuple[list[str], str | None] | None:
    """(the words that may name the product, nearest first; the option asked about: "colo", "size" or None for
    all) of a question of how many options something comes in; None when the message asks none."""
    if found := ASK_EN.search(text):
        option = (found.group("option") or "").lower()
        after = re.split(r"[.?!]", text[found.end():], maxsplit=1)[0]  # "how many colours does the tent come in"
        return [found.group("what"), after], next((key for key in _OPTION_KEYS if option.startswith(key)), None)
    if found := ASK_ZH.search(text):
        kind = found.group("kind")
        option = "colo" if "颜色" in kind else "size" if "尺码" in kind else None
        return [in_english(found.group("what"))], option
    return None


def catalog_count(db: Database, text: str, language: str) -> tuple[str, str] | None:
    """The answer to a question of how many options a catalog product comes in, and the product's id; None when it
    asks none or names no product."""
    asked = count_question(text)
    if asked is None:
        return None
    option = asked[1]
    with db.session() as session:
        products = session.scalars(select(Product).options(selectinload(Product.variants))).all()
        for words in map(_flat, asked[0]):  # the words before the count first, then after it
            if named := [p for p in products if _flat(p.name) and _flat(p.name) in words]:
                break
        if not named:
            return None
        product = max(named, key=lambda p: len(p.name))
        available = [v.options for v in product.variants if v.available]
        name, product_id = product.name, product.id
    key = option and next((k for options in available for k in options
                           if k.lower().startswith(_OPTION_KEYS[option])), None)
    if not key:
        return reply("catalog_count", language, count=len(available), name=name), product_id
    values = sorted({str(options[key]) for options in available if key in options})
    return reply("catalog_option_count", language, count=len(values), name=name, option=key,
                 values=", ".join(values)), product_id


ANSWER, LOOKUP = "catalog_count", "catalog_count_lookup"  # additional_kwargs keys of the two marked messages


class CatalogCountMiddleware(AgentMiddleware):
    """After the turn: a question of how many options a product comes in is answered above the turn's reply, after
    kefu's own lookup of the product (so the reply's facts are in the conversation's tool results, like any other).
    The model is shown neither the lookup nor the answer: a 135M model imitates whatever its earlier turns look
    like, and a product's variants are a long JSON it does not need."""

    def __init__(self, db: Database, ttl_s: int):
        super().__init__()
        self.db, self.ttl_s = db, ttl_s

    def after_agent(self, state, runtime) -> dict | None:
        messages, ctx = state["messages"], runtime.context
        last = messages[-1] if messages else None
        asked = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        if not isinstance(last, AIMessage) or last.tool_calls or asked is None:
            return None
        found = catalog_count(self.db, str(asked.content), ctx.language)
        if found is None or found[0] in str(last.content):
            return None
        answer, product_id = found
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s, language=ctx.language)
        call, result = own_step(runner, ctx, "get_product_details", {"product_id": product_id})["messages"]
        if result.status == "error":
            return None
        call = call.model_copy(update={"additional_kwargs": {LOOKUP: True}})
        kwargs = {**(last.additional_kwargs or {}), ANSWER: answer}
        # The reply stays last: it is removed and sent again, under a new id, after the lookup.
        final = AIMessage(f"{answer}\n\n{last.content}", name=last.name, additional_kwargs=kwargs)
        return {"messages": [RemoveMessage(id=last.id), call, result, final]}

    def wrap_model_call(self, request, handler):
        hidden = {c["id"] for m in request.messages if _is_lookup(m) for c in m.tool_calls}
        shown = [_without_count(m) for m in request.messages
                 if not _is_lookup(m) and not (isinstance(m, ToolMessage) and m.tool_call_id in hidden)]
        if len(shown) == len(request.messages) and all(a is b for a, b in zip(shown, request.messages)):
            return handler(request)
        return handler(request.override(messages=shown))


def _is_lookup(message) -> bool:
    return isinstance(message, AIMessage) and bool((message.additional_kwargs or {}).get(LOOKUP))


def _without_count(message):
    answer = (message.additional_kwargs or {}).get(ANSWER) if isinstance(message, AIMessage) else None
    if not answer or not str(message.content).startswith(answer):
        return message
    kwargs = {k: v for k, v in message.additional_kwargs.items() if k != ANSWER}
    return message.model_copy(update={"content": str(message.content)[len(answer):].lstrip(),
                                      "additional_kwargs": kwargs})
