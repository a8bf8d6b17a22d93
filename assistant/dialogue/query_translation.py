"""A Chinese question in English, from the served model, for the knowledge base's English lanes (MiniLM reads
English only). One short call per distinct question, cached; a failure is left to `knowledge.search`, which
then ranks the question by its other lanes."""

from __future__ import annotations

import threading
from collections import OrderedDict

from assistant.config import Settings
from assistant.serving.base_models import base_model

# A shop-tuned adapter answers a bare question instead of translating it: the role and the request say otherwise.
INSTRUCTION = ("You are a translator. Translate the Chinese text the user gives into English. Never answer it, never "
               "add anything: reply with the English translation only.")
REQUEST = "Translate into English:\n{text}"
CACHE_SIZE = 512


def translation_wanted(settings: Settings) -> bool:
    """`KEFU_TRANSLATE_QUERIES`: on, off, or (auto) on when the base model reads Chinese."""
    if settings.translate_queries != "auto":
        return settings.translate_queries == "on"
    entry = base_model(settings.model_name)
    return bool(entry and entry.reads_chinese)


class QueryTranslator:
    """Callable: Chinese text → one line of English, or None. Thread-safe; sessions share one instance."""

    def __init__(self, settings: Settings, timeout_s: float = 30.0, max_tokens: int = 48):
        self.settings, self.timeout_s, self.max_tokens = settings, timeout_s, max_tokens
        self._cache: OrderedDict[str, str | None] = OrderedDict()
        self._lock = threading.Lock()
        self._model = None

    def _chat(self):
        from assistant.llm import chat_model

        if self._model is None:
            self._model = chat_model(self.settings, max_tokens=self.max_tokens, timeout=self.timeout_s,
                                     max_retries=0, streaming=False)
        return self._model

    def __call__(self, text: str) -> str | None:
        text = text.strip()
        with self._lock:
            if text in self._cache:
                self._cache.move_to_end(text)
                return self._cache[text]
        from langchain_core.messages import HumanMessage, SystemMessage

        reply = self._chat().invoke([SystemMessage(INSTRUCTION), HumanMessage(REQUEST.format(text=text))])
        lines = [line.strip() for line in str(reply.content).splitlines() if line.strip()]
        english = lines[0].strip('"“”') if lines else None
        with self._lock:
            self._cache[text] = english
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return english
