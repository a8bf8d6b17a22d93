"""The shop's agent: LangChain's `create_agent` over the shop tools and the knowledge base, with kefu's middleware.

One compiled graph serves every session; the session id is the checkpointer's thread id and the
`TurnContext` the tools run under, so one session can never read another's state or data.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from langchain_core.messages import AIMessageChunk, BaseMessage, HumanMessage, ToolMessage

from assistant.config import Settings, get_settings
from assistant.db import Conversation, Database, Message
from assistant.dialogue.events import record_event
from assistant.dialogue.flow import this_turn
from assistant.dialogue.guards import evidence_of
from assistant.dialogue.handoff import hand_off, model_failure
from assistant.dialogue.idle import close_if_idle
from assistant.dialogue.incoming import UnreadableText, clean_message
from assistant.dialogue.language import detect_language
from assistant.dialogue.product_facts import catalog_of
from assistant.dialogue.replies import canned, reply
from assistant.dialogue.safety import defuse
from assistant.dialogue.staff import WITH_STAFF
from assistant.dialogue.streaming import GroundedStream
from assistant.dialogue.tool_execution import KnowledgeSearch, TurnContext
from assistant.dialogue.turn_lock import TurnLocks
from assistant.dialogue.turn_slots import TurnSlots
from assistant.errors import KefuError
from assistant.redaction import session_ref

log = logging.getLogger(__name__)
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
QUEUE_NOTICE_S = 2.0


@dataclass
class Reply:
    """The agent's answer to one shopper message."""

    text: str
    language: str
    pending_action_id: str | None = None
    citations: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    handed_off: bool = False
    with_staff: bool = False
    latency_ms: int = 0
    timings: dict = field(default_factory=dict)


def _model_errors() -> tuple[type[BaseException], ...]:
    import httpx
    import openai
    from langchain.agents.middleware.model_call_limit import ModelCallLimitExceededError

    return openai.APIError, httpx.HTTPError, ModelCallLimitExceededError


class ShopAgent:
    """Answers shopper messages, one conversation (session) each, with state checkpointed in the database."""

    def __init__(self, db: Database, settings: Settings | None = None, *, model=None, knowledge=True,
                 checkpointer=None, system_prompt: str | None = None, tool_names: list[str] | None = None):
        from langchain.agents import create_agent

        from assistant.dialogue.checkpoint import open_checkpointer
        from assistant.dialogue.middleware import agent_middleware
        from assistant.dialogue.model_tools import model_tools
        from assistant.dialogue.prompt import load_system_prompt
        from assistant.llm import chat_model

        self.db, self.settings = db, settings or get_settings()
        self._turn_locks = TurnLocks()
        self._slots = TurnSlots(self.settings.max_concurrent_turns)
        if knowledge is True:
            knowledge = KnowledgeSearch.for_settings(self.settings)
        self.knowledge = knowledge or None
        self.system_prompt = system_prompt or load_system_prompt(self.settings)
        self.graph = create_agent(
            model or chat_model(self.settings, max_tokens=self.settings.agent_max_tokens),
            model_tools(tool_names, knowledge=knowledge is not None),
            system_prompt=self.system_prompt,
            middleware=agent_middleware(db, self.settings, knowledge or None),
            context_schema=TurnContext,
            checkpointer=checkpointer or open_checkpointer(self.settings.checkpoint_url or db.url),
        )

    def warm_up(self) -> None:
        """Load the knowledge base's embedder and indexes now rather than on the first question."""
        if self.knowledge is not None:
            self.knowledge.warm_up()

    def close(self) -> None:
        """Close the checkpointer's own database connection (the shop database is the caller's)."""
        connection = getattr(self.graph.checkpointer, "conn", None)
        if connection is not None and hasattr(connection, "close"):
            connection.close()

    def __enter__(self) -> ShopAgent:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    @staticmethod
    def config(session_id: str) -> dict:
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            raise KefuError("session id must be 1-64 letters, digits, '_', '-', '.' or ':'")
        return {"configurable": {"thread_id": session_id}}

    def messages(self, session_id: str) -> list[BaseMessage]:
        """The conversation's checkpointed messages, as the model sees them."""
        return list(self.graph.get_state(self.config(session_id)).values.get("messages", []))

    def respond(self, session_id: str, text: str) -> Reply:
        """Answer one shopper message (the whole reply at once)."""
        final = None
        for event in self.stream(session_id, text):
            if event["type"] == "final":
                final = event
        return Reply(**{k: final[k] for k in Reply.__dataclass_fields__})

    def decide(self, session_id: str, action_id: str, confirm: bool) -> Iterator[dict]:
        """The shopper's Confirm or Cancel on the pending change `action_id` (a button, the API): a structured
        answer that no wording can fake. It is stored in the transcript as a plain yes or no."""
        language = self._language(session_id)
        words = {"en": ("yes", "no"), "zh": ("是", "不")}.get(language, ("yes", "no"))
        text = words[0] if confirm else words[1]
        yield from self.stream(session_id, text, decision=(action_id, "confirm" if confirm else "decline"))

    def stream(self, session_id: str, text: str, decision: tuple[str, str] | None = None) -> Iterator[dict]:
        """Answer one shopper message as events: `queued` (its place in line, while the server is at capacity),
        `token` (text to append), `reset` (clear it), then one `final`.

        Turns of one session run one at a time; whatever fails, the turn ends with a stored reply."""
        config = self.config(session_id)
        text, unreadable = text if isinstance(text, str) else "", False
        try:
            text = clean_message(text)
        except UnreadableText:
            text, unreadable = "", True
        with self._turn_locks.hold(session_id, self.settings.llm_timeout_s * 2) as free:
            if free:
                yield from self._in_line(session_id)
                try:
                    yield from self._turn(session_id, config, text, unreadable, decision)
                finally:
                    self._slots.release()
                return
            language = self._language(session_id)
            self._store(session_id, "user", text[: self.settings.max_message_chars])
            yield self._finish(session_id, canned(reply("busy", language)), TurnContext(session_id, language),
                               time.perf_counter(), [])

    def _in_line(self, session_id: str) -> Iterator[dict]:
        """Wait for one of the server's turn slots, saying the shopper's place in line every few seconds."""
        ticket = self._slots.join()
        try:
            while (place := self._slots.wait(ticket, QUEUE_NOTICE_S)) > 0:
                yield {"type": "queued", "position": place,
                       "text": reply("queued", self._language(session_id), position=place)}
        except BaseException:
            self._slots.leave(ticket)
            raise

    def _turn(self, session_id: str, config: dict, text: str, unreadable: bool, decision) -> Iterator[dict]:
        started = time.perf_counter()
        language = self._language(session_id) if decision else detect_language(text, default=self._language(session_id))
        if close_if_idle(self.db, session_id, self.settings.session_idle_timeout_s):
            self._store(session_id, "user", text[: self.settings.max_message_chars])
            yield self._finish(session_id, canned(reply("session_expired", language)),
                               TurnContext(session_id, language), started, [])
            return
        self._store(session_id, "user", text[: self.settings.max_message_chars] or ("[unreadable]" if unreadable
                                                                                    else ""), language=language)
        context = TurnContext(session_id=session_id, language=language, decision=decision,
                              customer_id=self._customer(session_id))
        if self._status(session_id) == WITH_STAFF:  # staff answer live; the agent learns it all at hand-back
            yield {"type": "final", "text": "", "language": language, "pending_action_id": None, "citations": [],
                   "products": [], "handed_off": True, "with_staff": True, "latency_ms": 0, "timings": {}}
            return
        if not text.strip() or len(text) > self.settings.max_message_chars:
            answer = (canned(reply("unreadable" if unreadable else "empty", language)) if not text.strip() else
                      canned(reply("too_long", language, length=len(text), limit=self.settings.max_message_chars)))
            yield self._finish(session_id, answer, context, started, [])
            return
        stream = GroundedStream(evidence_of(self.messages(session_id), catalog_of(self.db)))
        stream.evidence.add_said(text)
        try:
            for mode, chunk in self.graph.stream({"messages": [HumanMessage(defuse(text))]}, config, context=context,
                                                 stream_mode=["messages", "updates"]):
                yield from self._on_chunk(mode, chunk, stream)
        except _model_errors() as exc:
            yield self._fail(session_id, config, context, started, exc, model_failure(exc))
            return
        except Exception as exc:  # a knowledge server down, a locked database: the shopper still gets an answer
            log.exception("turn failed in session %s", session_ref(session_id))
            yield self._fail(session_id, config, context, started, exc, f"turn failed: {type(exc).__name__}"[:40])
            return
        messages = self.messages(session_id)
        final = str(messages[-1].content)
        shown = stream.text[: stream.released]
        if shown and not final.startswith(shown):
            yield {"type": "reset"}
            shown = ""
        if len(final) > len(shown):  # the checked reply's last words, or all of a reply kefu wrote itself
            yield {"type": "token", "text": final[len(shown):]}
        yield self._finish(session_id, messages[-1], context, started, this_turn(messages))

    @staticmethod
    def _on_chunk(mode: str, chunk, stream: GroundedStream) -> Iterator[dict]:
        if mode == "updates":
            for update in chunk.values():
                for message in (update or {}).get("messages", []) if isinstance(update, dict) else []:
                    if isinstance(message, ToolMessage):
                        stream.evidence.add_data(str(message.content))
            return
        message, meta = chunk
        if meta.get("langgraph_node") != "model" or not isinstance(message, AIMessageChunk):
            return
        if message.id != stream.draft_id and stream.new_draft(message.id):
            yield {"type": "reset"}
        if message.tool_call_chunks:
            stream.stop()
        if isinstance(message.content, str) and (piece := stream.feed(message.content)):
            yield {"type": "token", "text": piece}

    def _fail(self, session_id: str, config: dict, context: TurnContext, started: float, exc: Exception,
              reason: str) -> dict:
        """The model server is down or something else failed mid-turn: apologise, hand off, keep everything."""
        answer = canned(reply("model_down", context.language))
        try:
            record_event(self.db, session_id, "turn_error" if reason.startswith("turn") else "model_error",
                         error=type(exc).__name__)
            hand_off(self.db, session_id, self.messages(session_id), reason)
            self.graph.update_state(config, {"messages": [answer]}, as_node="model")
        except Exception:  # the handoff is best effort; the stored apology below is not
            log.exception("could not hand off session %s after a failed turn", session_ref(session_id))
        return self._finish(session_id, answer, context, started, [])

    def _finish(self, session_id: str, answer: BaseMessage, context: TurnContext, started: float, turn) -> dict:
        latency_ms = round((time.perf_counter() - started) * 1000)
        text = str(answer.content)
        self._store(session_id, "assistant", text, latency_ms=latency_ms)
        status = self._status(session_id)
        kwargs = getattr(answer, "additional_kwargs", {}) or {}
        return {"type": "final", "text": text, "language": context.language,
                "pending_action_id": kwargs.get("pending_action_id"), "citations": kwargs.get("citations", []),
                "products": kwargs.get("products", []),
                "handed_off": status in ("handed_off", WITH_STAFF), "with_staff": status == WITH_STAFF,
                "latency_ms": latency_ms,
                "timings": {k: round(v * 1000, 1) for k, v in context.timings.items()}}

    def _status(self, session_id: str) -> str | None:
        with self.db.session() as session:
            conversation = session.get(Conversation, session_id)
            return conversation.status if conversation else None

    def _customer(self, session_id: str) -> str | None:
        with self.db.session() as session:
            conversation = session.get(Conversation, session_id)
            return conversation.customer_id if conversation else None

    def _language(self, session_id: str) -> str:
        with self.db.session() as session:
            conversation = session.get(Conversation, session_id)
            return (conversation.language if conversation else None) or "en"

    def _store(self, session_id: str, role: str, content: str, *, language: str | None = None,
               latency_ms: int | None = None) -> None:
        with self.db.session() as session:
            conversation = session.get(Conversation, session_id)
            if conversation is None:
                conversation = Conversation(id=session_id)
                session.add(conversation)
            if language:
                conversation.language = language
            session.flush()
            session.add(Message(conversation_id=session_id, role=role, author=role, content=content,
                                latency_ms=latency_ms))

    def request_human(self, session_id: str) -> Reply:
        """The shopper pressed 'Talk to a human': open a ticket and say so."""
        config = self.config(session_id)
        language = self._language(session_id)
        self._store(session_id, "user", "[asked for a human]")
        hand_off(self.db, session_id, self.messages(session_id), "shopper asked for a human")
        record_event(self.db, session_id, "handoff", reason="shopper asked for a human")
        answer = canned(reply("handoff", language))
        self.graph.update_state(config, {"messages": [HumanMessage("I'd like to talk to a human."), answer]},
                                as_node="model")
        event = self._finish(session_id, answer, TurnContext(session_id, language), time.perf_counter(), [])
        return Reply(**{k: event[k] for k in Reply.__dataclass_fields__})


__all__ = ["Reply", "ShopAgent"]
