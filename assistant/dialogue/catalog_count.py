"""How many options a product comes in ("how many t-shirt options are available right now?", "T恤有多少款？",
"how many colours does the backpack come in?") is answered from the catalog in code, beside whatever else the turn
does: the shopper may ask it in the same message as a change, before they have identified, and a small model
neither counts a list of variants nor keeps a second question in mind.
"""

from __future__ import annotations

import re

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import AIMessage, HumanMessage
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.db import Database, Product
from assistant.dialogue.replies import reply
from assistant.tools.variant_match import in_english

_KIND = r"(options?|variants?|kinds?|types?|versions?|styles?|models?|choices?|(?P<option>colou?rs?|sizes?))"
ASK_EN = re.compile(rf"\bhow many\b(?P<what>[^.?!]{{0,60}}?)\b{_KIND}\b", re.I)
ASK_ZH = re.compile(r"(?P<what>[^，。？！,.?!]{1,20}?)(一共|总共|共)?(有)?多少(?P<kind>种颜色|种尺码|种|款|个|类)")
_OPTION_KEYS = {"colo": ("color", "colour", "颜色"), "size": ("size", "尺码")}
_ALNUM = re.compile(r"[^a-z0-9]+")


def _flat(text: str) -> str:
    return _ALNUM.sub("", text.lower())


def count_question(text: str) -> tuple[str, str | None] | None:
    """(the words naming the product, the option asked about: "color", "size" or None for all) of a question of
    how many options something comes in; None when the message asks none."""
    if found := ASK_EN.search(text):
        option = (found.group("option") or "").lower()
        after = re.split(r"[.?!]", text[found.end():], maxsplit=1)[0]  # "how many colours does the tent come in"
        return found.group("what") + " | " + after, next((key for key in _OPTION_KEYS if option.startswith(key)), None)
    if found := ASK_ZH.search(text):
        kind = found.group("kind")
        option = "colo" if "颜色" in kind else "size" if "尺码" in kind else None
        return in_english(found.group("what")), option
    return None


def catalog_count(db: Database, text: str, language: str) -> str | None:
    """The answer to a question of how many options a catalog product comes in, or None when it asks none or names
    no product."""
    asked = count_question(text)
    if asked is None:
        return None
    option = asked[1]
    with db.session() as session:
        products = session.scalars(select(Product).options(selectinload(Product.variants))).all()
        for words in map(_flat, asked[0].split(" | ")):  # the words before the count first, then after it
            if named := [p for p in products if _flat(p.name) and _flat(p.name) in words]:
                break
        if not named:
            return None
        product = max(named, key=lambda p: len(p.name))
        available = [v.options for v in product.variants if v.available]
        name = product.name
    if option is None:
        return reply("catalog_count", language, count=len(available), name=name)
    key = next((k for options in available for k in options if k.lower().startswith(_OPTION_KEYS[option])), None)
    if key is None:
        return reply("catalog_count", language, count=len(available), name=name)
    values = sorted({str(options[key]) for options in available if key in options})
    return reply("catalog_option_count", language, count=len(values), name=name, option=key,
                 values=", ".join(values))


MARK = "catalog_count"


class CatalogCountMiddleware(AgentMiddleware):
    """After the turn: a question of how many options a product comes in is answered above the turn's reply. The
    model is shown its replies without the answer: a 135M model imitates whatever its earlier turns look like."""

    def __init__(self, db: Database):
        super().__init__()
        self.db = db

    def after_agent(self, state, runtime) -> dict | None:
        messages = state["messages"]
        last = messages[-1] if messages else None
        asked = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
        if not isinstance(last, AIMessage) or last.tool_calls or asked is None:
            return None
        answer = catalog_count(self.db, str(asked.content), runtime.context.language)
        if answer is None or answer in str(last.content):
            return None
        kwargs = {**(last.additional_kwargs or {}), MARK: answer}
        return {"messages": [AIMessage(f"{answer}\n\n{last.content}", id=last.id, name=last.name,
                                       additional_kwargs=kwargs)]}

    def wrap_model_call(self, request, handler):
        shown = [_without_count(m) for m in request.messages]
        if all(a is b for a, b in zip(shown, request.messages)):
            return handler(request)
        return handler(request.override(messages=shown))


def _without_count(message):
    answer = (message.additional_kwargs or {}).get(MARK) if isinstance(message, AIMessage) else None
    if not answer or not str(message.content).startswith(answer):
        return message
    kwargs = {k: v for k, v in message.additional_kwargs.items() if k != MARK}
    return message.model_copy(update={"content": str(message.content)[len(answer):].lstrip(),
                                      "additional_kwargs": kwargs})
