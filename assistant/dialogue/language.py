"""Which language the shopper writes in: English or Chinese."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def detect_language(text: str, default: str = "en") -> str:
    """'zh' when at least a fifth of the letters are Chinese characters, else 'en' (or `default` for no letters)."""
    letters = sum(ch.isalpha() for ch in text)
    if not letters:
        return default
    return "zh" if len(_CJK.findall(text)) / letters >= 0.2 else "en"
