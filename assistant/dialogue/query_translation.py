"""A Chinese question in English, from the served model, for the knowledge base's English lanes (MiniLM reads
English only). One short call per distinct question, cached; a failure is left to `knowledge.search`, which
then ranks the question by its other lanes."""

from __future__ import annotations

from functools import lru_cache

from assistant.config import Settings
from assistant.serving.base_models import base_model

# A shop-tuned adapter answers a bare question instead of translating it: the role and the request say otherwise.
INSTRUCTION = ("You are a translator. Translate the Chinese text the user gives into English. Never answer it, never "
               "add anything: reply with the English translation only.")
REQUEST = "Translate into English:\n{text}"


def translation_wanted(settings: Settings) -> bool:
    """`KEFU_TRANSLATE_QUERIES`: on, off, or (auto) on when the base model reads Chinese."""
    if settings.translate_queries != "auto":
        return settings.translate_queries == "on"
    entry = base_model(settings.model_name)
    return bool(entry and entry.reads_chinese)


def translator_for(settings: Settings, wanted: bool | None = None) -> QueryTranslator | None:
    """A translator when `wanted` (default: `translation_wanted`), else None."""
    return QueryTranslator(settings) if (translation_wanted(settings) if wanted is None else wanted) else None


class QueryTranslator:
    """Callable: Chinese text → one line of English, or None. Sessions share one instance and its cache."""

    def __init__(self, settings: Settings, timeout_s: float = 30.0, max_tokens: int = 48):
        from assistant.llm import chat_model

        self._model = chat_model(settings, max_tokens=max_tokens, timeout=timeout_s, max_retries=0, streaming=False)
        self._cached = lru_cache(maxsize=512)(self._ask)

    def _ask(self, text: str) -> str | None:
        from langchain_core.messages import HumanMessage, SystemMessage

        reply = self._model.invoke([SystemMessage(INSTRUCTION), HumanMessage(REQUEST.format(text=text))])
        lines = [line.strip() for line in str(reply.content).splitlines() if line.strip()]
        return lines[0].strip('"“”') if lines else None

    def __call__(self, text: str) -> str | None:
        return self._cached(text.strip())
