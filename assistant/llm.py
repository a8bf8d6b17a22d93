"""The assistant's side of the model server: LangChain's ChatOpenAI pointed at vLLM."""

from __future__ import annotations

from assistant.config import Settings, get_settings


def chat_model(settings: Settings | None = None, *, model: str | None = None, **overrides):
    """A streaming ChatOpenAI client for the served model or LoRA adapter (default: what `kefu model serve` serves
    for these settings), with timeouts and bounded retries."""
    from langchain_openai import ChatOpenAI

    from assistant.serving.models import served_model_name

    settings = settings or get_settings()
    options = {
        "base_url": settings.llm_base_url,
        "api_key": "not-needed",  # vLLM does not check it unless started with --api-key
        "model": model or served_model_name(settings),
        "timeout": settings.llm_timeout_s,
        "max_retries": settings.llm_max_retries,
        "streaming": True,
        "stream_usage": True,  # token counts on every reply: `kefu bench agent` reports prompt sizes per step
        "temperature": 0.0,
    }
    return ChatOpenAI(**(options | overrides))
