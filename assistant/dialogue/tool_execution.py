"""Every tool call the model makes runs through the session's ToolRunner; knowledge search returns citable passages."""

from __future__ import annotations

import threading
from collections import defaultdict
from itertools import chain
from collections.abc import Callable
from dataclasses import dataclass, field

from langchain.agents.middleware import AgentMiddleware
from langchain_core.messages import HumanMessage, ToolMessage

from assistant.db import Database
from assistant.dialogue.account_repair import profile_address
from assistant.dialogue.events import record_event
from assistant.dialogue.model_tools import KNOWLEDGE_TOOL
from assistant.dialogue.safety import defuse, defuse_passage
from assistant.dialogue.typed_address import NOBODY_GAVE, address_nobody_gave
from assistant.errors import ToolError
from assistant.tools import ALL_TOOLS, ToolRunner
from assistant.tools.identification import IdentityPolicy
from assistant.tools.runner import ToolResult

PASSAGE_CHARS = 700
DECLINED_AGAIN = ("The customer has just said no to exactly this change. Do not propose it again: ask what they want "
                  "instead, or propose the change their message asks for.")


@dataclass
class TurnContext:
    """Per-turn context the graph is invoked with; the model never sees or sets it."""

    session_id: str
    language: str = "en"
    timings: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    """Seconds spent this turn in the model, tools, retrieval and the verifier (filled by the middleware)."""
    decision: tuple[str, str] | None = None
    """A structured answer to a pending change, `(action id, "confirm" | "decline")`, from a button or the API."""
    reopened: str | None = None
    """Why a handed-off conversation came back to the agent this turn ("outage", "unattended"), if it did."""
    kept_action_id: str | None = None
    """A pending change this turn's message neither confirmed nor withdrew; the reply asks about it again."""
    customer_id: str | None = None
    """The customer the conversation was authenticated as when the turn began (by a tool, or a signed token)."""
    declined: tuple[str, dict] | None = None
    """The change (tool, arguments) this turn's message said no to; it is not proposed again this turn."""


class KnowledgeSearch:
    """The search_knowledge tool: the k best passages, numbered for citation."""

    def __init__(self, open_kb: Callable[[], object], k: int = 3, translate: Callable[[str], str | None] | None = None):
        self._open_kb, self._kb, self.k, self.translate = open_kb, None, k, translate
        self._lock = threading.Lock()  # sessions share one instance; Chroma's client must be opened once

    @classmethod
    def for_settings(cls, settings) -> KnowledgeSearch:
        """The shop's knowledge base, with the served model translating Chinese questions where it reads Chinese
        (`KEFU_TRANSLATE_QUERIES`)."""
        from assistant.dialogue.query_translation import translator_for
        from assistant.knowledge_base import open_knowledge_base

        return cls(lambda: open_knowledge_base(settings), translate=translator_for(settings))

    def _knowledge_base(self):
        with self._lock:
            self._kb = self._kb or self._open_kb()
            return self._kb

    def embed(self, texts: list[str]) -> list:
        """Vectors from the knowledge base's embedder (product search shares it rather than loading another)."""
        return self._knowledge_base().embedder(texts)

    def warm_up(self) -> None:
        """Open the knowledge base and run one search, so that the first shopper's question does not wait for
        the embedder and indexes to load (seconds on a small CPU). A missing knowledge base is left to the tool."""
        from knowledge.errors import KnowledgeError
        from knowledge.search import search

        try:
            search(self._knowledge_base(), "return policy", k=1)
        except KnowledgeError:
            pass

    def __call__(self, runner: ToolRunner, arguments: dict) -> tuple[ToolResult, dict | None]:
        from knowledge.errors import KnowledgeError
        from knowledge.search import search

        query = arguments.get("query") if isinstance(arguments, dict) else None
        if set(arguments or {}) - {"query"} or not isinstance(query, str):
            result = ToolResult(KNOWLEDGE_TOOL, error="Invalid arguments for search_knowledge: give one string, query")
            runner.record(KNOWLEDGE_TOOL, arguments if isinstance(arguments, dict) else {}, result)
            return result, None
        try:
            passages = search(self._knowledge_base(), query, k=self.k, translate=self.translate)
        except KnowledgeError as exc:
            result, passages = ToolResult(KNOWLEDGE_TOOL, error=str(exc)), []
        else:
            text = "\n\n".join(f"[{i}] ({p.source} › {p.section})\n{defuse_passage(p.text[:PASSAGE_CHARS])}"
                               for i, p in enumerate(passages, 1))
            result = ToolResult(KNOWLEDGE_TOOL, output=text or "No passages found.")
        runner.record(KNOWLEDGE_TOOL, arguments, result)
        citations = [{"ref": i, "citation": p.citation, "source": p.source, "section": p.section}
                     for i, p in enumerate(passages, 1)]
        return result, {"citations": citations} if citations else None


def _said_no_to(declined: tuple[str, dict] | None, name: str, arguments) -> bool:
    """Whether the call is the change the shopper said no to this turn, once both are validated alike."""
    if declined is None or declined[0] != name or name not in ALL_TOOLS:
        return False
    try:
        return ToolRunner.validated(ALL_TOOLS[name], arguments) == declined[1]
    except ToolError:
        return False


class ToolExecutionMiddleware(AgentMiddleware):
    """Runs tool calls with the session's authentication, validation, confirmation flow and audit log."""

    def __init__(self, db: Database, knowledge: KnowledgeSearch | None, ttl_s: int,
                 approval_threshold: float | None = None, identity: IdentityPolicy | None = None):
        super().__init__()
        self.db, self.knowledge, self.ttl_s = db, knowledge, ttl_s
        self.approval_threshold, self.identity = approval_threshold, identity or IdentityPolicy()

    def wrap_tool_call(self, request, handler):
        call = request.tool_call
        name, arguments = call["name"], call.get("args") or {}
        ctx = request.runtime.context
        runner = ToolRunner(self.db, ctx.session_id, ttl_s=self.ttl_s, approval_threshold=self.approval_threshold,
                            language=ctx.language, identity=self.identity, changes_only=True)
        artifact = None
        if _said_no_to(ctx.declined, name, arguments):
            # Asking again for the very change the shopper just said no to would only earn another no.
            result = ToolResult(name, error=DECLINED_AGAIN)
            runner.record(name, arguments, result)
            record_event(self.db, ctx.session_id, "declined_change_reproposed", tool=name)
        elif address_nobody_gave(name, arguments, chain(
                (str(m.content) for m in request.state["messages"] if isinstance(m, (HumanMessage, ToolMessage))),
                profile_address(self.db, ctx.session_id))):
            result = ToolResult(name, error=NOBODY_GAVE)
            runner.record(name, arguments, result)
            record_event(self.db, ctx.session_id, "made_up_address_refused", tool=name)
        elif name == KNOWLEDGE_TOOL and self.knowledge is not None:
            result, artifact = self.knowledge(runner, arguments)
        else:
            result = runner.call(name, arguments)
            if result.pending_action_id:
                artifact = {"pending_action_id": result.pending_action_id, "summary": result.output["summary"]}
        content = result.as_text()
        if result.error and name not in ALL_TOOLS and name != KNOWLEDGE_TOOL:
            content += " Available tools: " + ", ".join([*ALL_TOOLS, KNOWLEDGE_TOOL]) + "."
        return ToolMessage(content=defuse(content), tool_call_id=call["id"], name=name, artifact=artifact,
                           status="error" if result.error else "success")
