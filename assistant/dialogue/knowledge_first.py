"""A general question is looked up in the knowledge base before the model answers, as a retrieval-first assistant.

Policy questions need no identification, but a 135M model tuned mostly on order work asks for an email first.
When the shopper's message reads as a question and names no order, item, email or human, kefu runs
search_knowledge itself, recorded as an ordinary tool call and result (with citations). With
`knowledge_answer="passage"` (the default) the reply is the best passage in the shopper's language, cited, and
no model call is made: faithful by construction and about as fast as retrieval. With `"model"` the model answers
from the passages; a draft that asks who the shopper is instead is retried once with a reminder, then replaced
by the best passage.
"""

from __future__ import annotations

import re
import time
import uuid

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage

from assistant.dialogue.flow import GUARD_NAME, this_turn
from assistant.dialogue.guards import with_sources
from assistant.dialogue.model_tools import KNOWLEDGE_TOOL
from assistant.dialogue.safety import defuse
from assistant.dialogue.tool_execution import KnowledgeSearch
from assistant.dialogue.language import detect_language
from assistant.dialogue.replies import CANNED, canned
from assistant.dialogue.tool_scope import named_orders
from assistant.tools import ToolRunner

QUESTION = re.compile(
    r"[?？]\s*$|^\s*(how|what|when|where|which|why|who|can|could|do|does|is|are|will|should|may)\b"
    r"|吗|多少|多久|怎么|如何|什么|哪|几|是否|能否", re.I)
ASKS_IDENTITY = re.compile(r"\b(e-?mail|zip|identity|verify|account)\b|邮箱|邮编|身份|账户|姓名", re.I)
NUDGE = ("The customer asked a general question that needs no account. Answer it from the passages above, "
         "citing them as [1], [2]; do not ask who they are.")
EXCERPT_CHARS = 400
SPECIFIC = re.compile(r"(?<!\d)\d{10}(?!\d)|@|\b(human|person|someone|agent|staff|manager)\b|人工|真人|客服|经理", re.I)
# A question about one of the shopper's own orders, picked out by what it held, when it was placed or what it cost
# ("the one with the lamp", "my latest order", "那一单付了多少"): an account question, not a policy one.
OWN_ORDER = re.compile(
    r"\b(did|have|had)\s+i\s+(pay|paid|spend|spent)\b|\bi\s+(paid|spent)\b"
    r"|\bmy\s+(latest|last|most\s+recent|newest|recent)\s+(order|purchase)\b|\bthe\s+(one|order)\s+(with|where|that)\b"
    r"|那单|那一单|那个订单|这单|这一单|付了多少|花了多少|我最新|我最近(下|买)的", re.I)
PASSAGE_HEAD = re.compile(r"^\[(\d+)\] \(.*\)$", re.M)


def is_general_question(text: str) -> bool:
    """A question that names no order, item, email or person to talk to: one for the knowledge base."""
    return (bool(QUESTION.search(text)) and not named_orders([text]) and not SPECIFIC.search(text)
            and not OWN_ORDER.search(text))


def excerpt(passage: str) -> str:
    """A passage's text without its heading path, cut at a sentence near the limit."""
    lines = passage.strip().splitlines()
    if lines and " > " in lines[0]:
        lines = lines[1:]
    text = " ".join(line.strip() for line in lines if line.strip())
    if len(text) > EXCERPT_CHARS:
        cut = max(text.rfind(mark, 0, EXCERPT_CHARS) for mark in (". ", "。", "；"))
        text = text[: cut + 1] if cut > 0 else text[:EXCERPT_CHARS] + "…"
    return text


def passage_answer(result: str, language: str) -> str | None:
    """The best-ranked passage in the shopper's language (else the best one), cited by its number; None when the
    search found nothing."""
    parts = PASSAGE_HEAD.split(result)  # ["", "1", text, "2", text, ...]
    found = [(int(ref), excerpt(text)) for ref, text in zip(parts[1::2], parts[2::2])]
    if not found:
        return None
    ref, text = next(((r, t) for r, t in found if detect_language(t) == language), found[0])
    return f"{text} [{ref}]"


class KnowledgeFirstMiddleware(AgentMiddleware):
    """Before the turn's first model call: search the knowledge base for a general question; after the model:
    keep the answer on the question."""

    def __init__(self, db, knowledge: KnowledgeSearch, ttl_s: int, answer: str = "passage"):
        super().__init__()
        self.db, self.knowledge, self.ttl_s, self.answer = db, knowledge, ttl_s, answer

    @hook_config(can_jump_to=["end"])
    def before_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        if not messages or not isinstance(messages[-1], HumanMessage):
            return None
        question = str(messages[-1].content).strip()
        if not is_general_question(question):
            return None
        call = {"name": KNOWLEDGE_TOOL, "args": {"query": question}, "id": f"call_{uuid.uuid4().hex[:8]}",
                "type": "tool_call"}
        started = time.perf_counter()
        result, artifact = self.knowledge(ToolRunner(self.db, runtime.context.session_id, ttl_s=self.ttl_s),
                                          call["args"])
        runtime.context.timings["retrieval"] += time.perf_counter() - started
        if result.error:
            return None
        # Named as kefu's own step, so fine-tuning does not teach the model a call it never made.
        searched = [AIMessage(content="", tool_calls=[call], name=CANNED),
                    ToolMessage(content=defuse(result.as_text()), tool_call_id=call["id"], name=KNOWLEDGE_TOOL,
                                artifact=artifact)]
        answer = passage_answer(searched[1].content, runtime.context.language) if self.answer == "passage" else None
        if answer is None:
            return {"messages": searched}
        text, citations = with_sources(answer, searched)
        return {"messages": [*searched, canned(text, additional_kwargs={"citations": citations})], "jump_to": "end"}

    @hook_config(can_jump_to=["model"])
    def after_model(self, state, runtime) -> dict | None:
        messages = state["messages"]
        draft, turn = messages[-1], this_turn(messages)
        searched_first = (len(turn) > 1 and getattr(turn[0], "name", None) == CANNED
                          and isinstance(turn[1], ToolMessage))
        if (not searched_first or not isinstance(draft, AIMessage) or draft.tool_calls
                or not ASKS_IDENTITY.search(str(draft.content))):
            return None
        if not any(isinstance(m, SystemMessage) and m.name == GUARD_NAME for m in turn):
            return {"messages": [RemoveMessage(id=draft.id), SystemMessage(NUDGE, name=GUARD_NAME)], "jump_to": "model"}
        answer = passage_answer(str(turn[1].content), runtime.context.language)
        text, citations = with_sources(answer or str(draft.content), turn)
        kwargs = dict(draft.additional_kwargs) | {"citations": citations}
        return {"messages": [draft.model_copy(update={"content": text, "additional_kwargs": kwargs})]}
