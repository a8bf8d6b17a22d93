"""Checks on every model output: malformed tool calls, one write at a time, no echo of the shopper's own words, and
grounded replies with sources."""

from __future__ import annotations

import difflib
import re
import time

from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage

from assistant.db import Database
from assistant.dialogue.events import record_event
from assistant.dialogue.flow import GUARD_NAME, handoff_update, this_turn
from assistant.dialogue.grounding import Catalog, Evidence, unverified
from assistant.dialogue.identify_first import has_customer
from assistant.dialogue.intents import requested_writes
from assistant.dialogue.model_tools import KNOWLEDGE_TOOL, is_write
from assistant.dialogue.product_facts import catalog_of
from assistant.dialogue.prompt import LANGUAGE_LINES
from assistant.dialogue.replies import canned, reply
from assistant.dialogue.safety import defuse
from assistant.dialogue.stuck import after_refusal
from assistant.dialogue.tool_scope import IDENTIFY
from assistant.dialogue.wasted_steps import (IDENTIFIED_NUDGE, IDENTITY_ASKS_UNANSWERED, REPEATED_NUDGE,
                                             asks_identity, identity_asks_unanswered, repeated_lookup)

_CITED = re.compile(r"\[(\d{1,2})\]")
_MARKUP = re.compile(r"\[(?:tool_response|tool_call|tools|im_start|im_end)\]|<tool_response>|^\s*Error:", re.I)


def evidence_of(messages, catalog: Catalog | None = None) -> Evidence:
    """Tool results and passages (data) and the shopper's own words (said) of a conversation; with the catalog,
    product facts are checked too."""
    evidence = Evidence(catalog=catalog)
    for message in messages:
        if isinstance(message, ToolMessage):
            evidence.add_data(str(message.content))
        elif isinstance(message, HumanMessage):
            evidence.add_said(str(message.content))
    return evidence


def malformed(message: AIMessage) -> str | None:
    """Why an output can be neither executed nor shown, or None when it is usable."""
    if message.invalid_tool_calls:
        return "the tool call's arguments were not valid JSON"
    text = str(message.content or "")
    if "<tool_call>" in text or "</tool_call>" in text:
        return "the tool call could not be parsed"
    if _MARKUP.search(text):
        return "the reply echoed tool or template markup instead of answering"
    if not message.tool_calls and not text.strip():
        return "the reply was empty"
    return None


_SPACE_AND_MARKS = re.compile(r"[\s\W_]+")
ECHO_MIN_CHARS, ECHO_RATIO = 8, 0.85


def echoed(text: str, said: str) -> bool:
    """Whether the reply repeats the shopper's latest message back instead of answering it: nearly the message, or
    the message whole with little around it. A message with data in it (digits, an email) is left out: a reply
    rightly reads an address or an order number back."""
    reply_, message = (_SPACE_AND_MARKS.sub("", t).lower() for t in (text, said))
    if len(message) < ECHO_MIN_CHARS or re.search(r"[\d@]", said):
        return False
    return (message in reply_ and len(reply_) <= 1.5 * len(message)
            or difflib.SequenceMatcher(None, reply_, message).ratio() >= ECHO_RATIO)


def with_sources(text: str, turn) -> tuple[str, list[dict]]:
    citations = [c for m in turn if isinstance(m, ToolMessage) and m.name == KNOWLEDGE_TOOL and m.artifact
                 for c in m.artifact.get("citations", [])]
    if not citations:
        return text, []
    cited = {int(n) for n in _CITED.findall(text)}
    used = [c for c in citations if c["ref"] in cited] or citations
    sources = "; ".join(f"[{c['ref']}] {c['source']} › {c['section']}" for c in used)
    return f"{text}\n\nSources: {sources}", used


class OutputGuardMiddleware(AgentMiddleware):
    """After the model: retry or hand off on malformed output, keep one write per step, block ungrounded replies."""

    def __init__(self, db: Database, max_retries: int, signed: bool = False):
        super().__init__()
        self.db, self.max_retries, self.signed = db, max_retries, signed

    @hook_config(can_jump_to=["model", "end"])
    def after_model(self, state, runtime) -> dict | None:
        ctx, messages = runtime.context, state["messages"]
        draft = messages[-1]
        if not isinstance(draft, AIMessage):
            return None
        turn = this_turn(messages)
        retries = sum(isinstance(m, SystemMessage) and m.name == GUARD_NAME for m in turn)
        if problem := malformed(draft):
            record_event(self.db, ctx.session_id, "malformed_output", problem=problem)
            if retries >= self.max_retries:
                return handoff_update(self.db, ctx.session_id, messages, f"repeated malformed output ({problem})",
                                      ctx.language) | {"messages": [RemoveMessage(id=draft.id),
                                                                    canned(reply("handoff", ctx.language))]}
            nudge = (f"Your last output was unusable: {problem}. Either call one tool as "
                     '<tool_call>{"name": ..., "arguments": {...}}</tool_call> with valid JSON, or reply to the customer.')
            return {"messages": [RemoveMessage(id=draft.id), SystemMessage(nudge, name=GUARD_NAME)], "jump_to": "model"}
        # Only a lookup repeated on the way to a change is nudged. A repeated identification gets the same customer
        # from the tool scope, and a repeated order lookup for a question is answered from the order itself; a nudge
        # there was seen to turn the model to asking the shopper who they are.
        if (draft.tool_calls and retries < self.max_retries and repeated_lookup(draft, turn[:-1])
                and not any(call["name"] in IDENTIFY for call in draft.tool_calls)
                and requested_writes([str(m.content) for m in messages if isinstance(m, HumanMessage)])):
            return self._retry(ctx, messages, draft, retries, "repeated_lookup", REPEATED_NUDGE)
        if draft.tool_calls:
            writes = [c for c in draft.tool_calls if is_write(c["name"])]
            if writes and len(draft.tool_calls) > 1:
                # One change is proposed and confirmed at a time; the model can propose the next one afterwards.
                return {"messages": [draft.model_copy(update={"tool_calls": writes[:1]})]}
            return None
        if explained := after_refusal(messages, ctx.language):
            record_event(self.db, ctx.session_id, explained[0])
            return {"messages": [RemoveMessage(id=draft.id), canned(explained[1])], "jump_to": "end"}
        text = defuse(str(draft.content)).strip()
        said = next((str(m.content) for m in reversed(messages) if isinstance(m, HumanMessage)), "")
        if echoed(text, said):
            record_event(self.db, ctx.session_id, "echo_block", retry=retries < self.max_retries)
            if retries >= self.max_retries:
                key = ("rephrase" if has_customer(self.db, ctx.session_id) else "sign_in" if self.signed
                       else "identify")
                return {"messages": [RemoveMessage(id=draft.id), canned(reply(key, ctx.language))], "jump_to": "end"}
            nudge = ("Your draft repeated the customer's message instead of answering it. Answer it, or ask for what "
                     "you need: an order is looked up only after the customer gives an email, or a name and zip code.")
            return {"messages": [RemoveMessage(id=draft.id), SystemMessage(nudge, name=GUARD_NAME)], "jump_to": "model"}
        if asks_identity(text) and has_customer(self.db, ctx.session_id):
            return self._retry(ctx, messages, draft, retries, "identity_asked_again", IDENTIFIED_NUDGE)
        if asks_identity(text) and identity_asks_unanswered(messages) >= IDENTITY_ASKS_UNANSWERED:
            # A shopper who twice could not say who they are is asked a third time by nobody: staff verify otherwise.
            update = handoff_update(self.db, ctx.session_id, messages, "the shopper could not identify", ctx.language)
            return update | {"messages": [RemoveMessage(id=draft.id), canned(reply("no_identity", ctx.language))]}
        started = time.perf_counter()
        missing = unverified(text, evidence_of(messages, catalog_of(self.db)))
        ctx.timings["verifier"] += time.perf_counter() - started
        if missing:
            record_event(self.db, ctx.session_id, "verifier_block", facts=missing, retry=retries < self.max_retries)
            if retries >= self.max_retries:
                record_event(self.db, ctx.session_id, "verifier_fallback", facts=missing)
                return {"messages": [RemoveMessage(id=draft.id), canned(reply("unverified", ctx.language))],
                        "jump_to": "end"}
            nudge = (f"Your draft stated facts no tool returned: {', '.join(missing)}. Look them up with a tool, "
                     "or reply without them.")
            return {"messages": [RemoveMessage(id=draft.id), SystemMessage(nudge, name=GUARD_NAME)], "jump_to": "model"}
        text, citations = with_sources(text, turn)
        if text != draft.content or citations:
            kwargs = dict(draft.additional_kwargs) | ({"citations": citations} if citations else {})
            return {"messages": [draft.model_copy(update={"content": text, "additional_kwargs": kwargs})]}
        return None

    def _retry(self, ctx, messages, draft, retries: int, event: str, nudge: str) -> dict:
        """Drop the draft and ask the model again with the nudge; past the retries, ask the shopper to say again
        what they need rather than loop."""
        record_event(self.db, ctx.session_id, event, retry=retries < self.max_retries)
        if retries >= self.max_retries:
            return {"messages": [RemoveMessage(id=draft.id), canned(reply("rephrase", ctx.language))], "jump_to": "end"}
        return {"messages": [RemoveMessage(id=draft.id), SystemMessage(nudge, name=GUARD_NAME)], "jump_to": "model"}


class LanguageMiddleware(AgentMiddleware):
    """Tells the model which language the shopper writes in, every call."""

    def wrap_model_call(self, request, handler):
        line = LANGUAGE_LINES.get(request.runtime.context.language, LANGUAGE_LINES["en"])
        system = request.system_message
        content = f"{system.content}\n\n{line}" if system is not None else line
        return handler(request.override(system_message=SystemMessage(content)))
