"""The agent's middleware stack, in order: LangChain's own where it fits, kefu's for the shop's rules."""

from __future__ import annotations

import time

from langchain.agents.middleware import (
    AgentMiddleware,
    ClearToolUsesEdit,
    ContextEditingMiddleware,
    ModelCallLimitMiddleware,
    PIIMiddleware,
    ToolCallLimitMiddleware,
)

from assistant.config import Settings
from assistant.db import Database
from assistant.dialogue.argument_repair import ArgumentRepairMiddleware
from assistant.dialogue.catalog_count import CatalogCountMiddleware
from assistant.dialogue.context_budget import ContextBudgetMiddleware
from assistant.dialogue.flow import ConversationGateMiddleware, ToolOutcomeMiddleware
from assistant.dialogue.guards import LanguageMiddleware, OutputGuardMiddleware
from assistant.dialogue.identify_first import IdentifyFirstMiddleware
from assistant.dialogue.knowledge_first import KnowledgeFirstMiddleware
from assistant.dialogue.model_tools import KNOWLEDGE_TOOL
from assistant.dialogue.order_answer import OrderAnswerMiddleware
from assistant.dialogue.order_finder import OrderFinderMiddleware
from assistant.dialogue.person_request import PersonRequestMiddleware
from assistant.dialogue.purchase_advice import PurchaseAdviceMiddleware
from assistant.dialogue.refusal import RefusalNudgeMiddleware
from assistant.dialogue.stalled_step import StalledStepMiddleware
from assistant.dialogue.shopping_first import ShoppingFirstMiddleware
from assistant.dialogue.tool_execution import KnowledgeSearch, ToolExecutionMiddleware
from assistant.dialogue.tool_scope import ToolScopeMiddleware
from assistant.dialogue.variant_finder import VariantFinderMiddleware
from assistant.tools.identification import IdentityPolicy


class TimingMiddleware(AgentMiddleware):
    """Adds the time of every model call and tool call to the turn's timings (for `kefu bench agent`)."""

    def wrap_model_call(self, request, handler):
        started = time.perf_counter()
        try:
            return handler(request)
        finally:
            request.runtime.context.timings["model"] += time.perf_counter() - started

    def wrap_tool_call(self, request, handler):
        started = time.perf_counter()
        try:
            return handler(request)
        finally:
            kind = "retrieval" if request.tool_call["name"] == KNOWLEDGE_TOOL else "tools"
            request.runtime.context.timings[kind] += time.perf_counter() - started


def agent_middleware(db: Database, settings: Settings, knowledge: KnowledgeSearch | None) -> list[AgentMiddleware]:
    """Gate and confirmation first; limits; card numbers masked before the model; guards on its output (after-model
    hooks run last to first, so tool-call arguments are repaired before the guard sees them); tools last."""
    ttl = settings.pending_action_ttl_s
    first = [KnowledgeFirstMiddleware(db, knowledge, ttl, settings.knowledge_answer)] if knowledge is not None else []
    advice = []
    if knowledge is not None and settings.shopping_help:
        from assistant.catalog.search import ProductSearch

        products = ProductSearch(db, knowledge.embed)
        first.insert(0, ShoppingFirstMiddleware(db, products, knowledge.translate))
        advice = [PurchaseAdviceMiddleware(db, products)]
    aids, identity = settings.small_model_aids, IdentityPolicy.from_settings(settings)
    return [
        ConversationGateMiddleware(db, ttl, settings.handoff_reopen_s),
        ModelCallLimitMiddleware(run_limit=settings.max_model_calls_per_turn, exit_behavior="error"),
        ToolCallLimitMiddleware(run_limit=settings.max_tool_calls_per_turn, exit_behavior="continue"),
        PIIMiddleware("credit_card", strategy="mask", apply_to_input=True),
        ContextEditingMiddleware(edits=[ClearToolUsesEdit(trigger=int(settings.max_model_len * 0.6), keep=4)]),
        PersonRequestMiddleware(db, ttl),
        ToolOutcomeMiddleware(db, settings.max_tool_errors_per_turn),
        *([IdentifyFirstMiddleware(db, ttl, identity)] if identity.mode != "signed" else []),
        *advice,
        *([OrderFinderMiddleware(db, ttl), VariantFinderMiddleware(db, ttl)] if aids else []),
        OrderAnswerMiddleware(),
        *first,
        OutputGuardMiddleware(db, settings.max_guard_retries, signed=identity.mode == "signed"),
        *([ArgumentRepairMiddleware(db), RefusalNudgeMiddleware(db), CatalogCountMiddleware(db, ttl),
           StalledStepMiddleware(db)] if aids else []),
        TimingMiddleware(),
        LanguageMiddleware(),
        *([ToolScopeMiddleware(db)] if aids else []),  # reads the whole conversation: outside the budget's trimming
        ContextBudgetMiddleware(settings.max_model_len, settings.agent_max_tokens),
        ToolExecutionMiddleware(db, knowledge, ttl, settings.approval_threshold, identity),
    ]
