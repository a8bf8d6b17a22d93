"""The assistant's side of the model server: LangChain's ChatOpenAI pointed at vLLM."""

from __future__ import annotations

from assistant.config import Settings, get_settings


def chat_model(settings: Settings | None = None, *, model: str | None = None, **overrides):
    """A streaming ChatOpenAI client for the served model or LoRA adapter, with timeouts and bounded retries."""
    from langchain_openai import ChatOpenAI

    settings = settings or get_settings()
    options = {
        "base_url": settings.llm_base_url,
        "api_key": "not-needed",  # vLLM does not check it unless started with --api-key
        "model": model or settings.llm_model or settings.model_name,
        "timeout": settings.llm_timeout_s,
        "max_retries": settings.llm_max_retries,
        "streaming": True,
        "temperature": 0.0,
    }
    return ChatOpenAI(**(options | overrides))
