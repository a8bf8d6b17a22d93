"""The agent's system prompt: an editable markdown file with the shop's instructions and policy."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from assistant.config import Settings
from assistant.errors import KefuError

LANGUAGE_LINES = {"zh": "The customer writes in Chinese: reply in Simplified Chinese.",
                  "en": "The customer writes in English: reply in English."}


def default_prompt_path() -> Path:
    """The packaged system prompt."""
    return Path(str(files("assistant.dialogue").joinpath("system_prompt.md")))


def load_system_prompt(settings: Settings, path: Path | None = None) -> str:
    """The system prompt from `path`, KEFU_SYSTEM_PROMPT_PATH or the packaged file, with the shop's name filled in."""
    path = path or settings.system_prompt_path or default_prompt_path()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise KefuError(f"cannot read the system prompt {path}: {exc.strerror}") from exc
    return text.replace("{shop_name}", settings.shop_name).strip()
