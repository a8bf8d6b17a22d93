"""The tool-calling chat template of each base model, as vLLM, fine-tuning and evaluation all render it.

One template per base model (`BaseModel.template`); SmolLM2 and Qwen2.5 both speak ChatML, so they share
kefu's file. A model registered from a local folder gets the default one.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from assistant.serving.base_models import base_model

TEMPLATE_FILE = "tool_chat_template.jinja"


def template_path(model: str | None = None) -> Path:
    """Path of the model's template file (what `kefu model serve` passes to vLLM's --chat-template)."""
    entry = base_model(model) if model else None
    return Path(str(files("assistant.serving").joinpath(entry.template if entry else TEMPLATE_FILE)))


@cache
def template_text(model: str | None = None) -> str:
    """The template's Jinja source."""
    return template_path(model).read_text()


def _model_of(tokenizer) -> str | None:
    """The base model a tokenizer was loaded for (its folder is named after the model)."""
    return Path(getattr(tokenizer, "name_or_path", "") or "").name or None


def render(tokenizer, messages: list[dict], tools: list[dict] | None = None, *,
           add_generation_prompt: bool = False) -> str:
    """The conversation as the model sees it, rendered with its template."""
    template = template_text(_model_of(tokenizer))
    return tokenizer.apply_chat_template(messages, tools=tools or None, chat_template=template,
                                         add_generation_prompt=add_generation_prompt, tokenize=False)


def render_ids(tokenizer, messages: list[dict], tools: list[dict] | None = None, *,
               add_generation_prompt: bool = False) -> list[int]:
    """Token ids of `render`, tokenized the way vLLM does (no extra special tokens)."""
    text = render(tokenizer, messages, tools, add_generation_prompt=add_generation_prompt)
    return tokenizer(text, add_special_tokens=False)["input_ids"]
