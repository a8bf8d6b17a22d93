"""The one tool-calling chat template, as vLLM, fine-tuning and evaluation all render it."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

TEMPLATE_FILE = "tool_chat_template.jinja"


def template_path() -> Path:
    """Path of the template file (what `kefu model serve` passes to vLLM's --chat-template)."""
    return Path(str(files("assistant.serving").joinpath(TEMPLATE_FILE)))


@cache
def template_text() -> str:
    """The template's Jinja source."""
    return template_path().read_text()


def render(tokenizer, messages: list[dict], tools: list[dict] | None = None, *,
           add_generation_prompt: bool = False) -> str:
    """The conversation as the model sees it, rendered with the shared template."""
    return tokenizer.apply_chat_template(messages, tools=tools or None, chat_template=template_text(),
                                         add_generation_prompt=add_generation_prompt, tokenize=False)


def render_ids(tokenizer, messages: list[dict], tools: list[dict] | None = None, *,
               add_generation_prompt: bool = False) -> list[int]:
    """Token ids of `render`, tokenized the way vLLM does (no extra special tokens)."""
    text = render(tokenizer, messages, tools, add_generation_prompt=add_generation_prompt)
    return tokenizer(text, add_special_tokens=False)["input_ids"]
