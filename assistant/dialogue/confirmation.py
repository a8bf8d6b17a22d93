"""Reading a shopper's answer to a confirmation question as an explicit yes, an explicit no, or neither."""

from __future__ import annotations

import re

_YES_WORDS = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "confirm", "confirmed", "correct", "proceed",
              "absolutely", "affirmative"}
_YES_PHRASES = ("go ahead", "do it", "please do", "that's right", "that is right", "sounds good")
_NO_WORDS = {"no", "n", "nope", "nah", "not", "don't", "dont", "never", "wait", "stop", "hold"}
_ZH_YES = ("是", "好", "确认", "确定", "可以", "对", "行", "没问题", "嗯", "同意")
_ZH_NO = ("不", "别", "算了", "等等", "先不", "取消吧", "不要", "不用")
_WORD = re.compile(r"[a-z']+")
MAX_ANSWER_CHARS = 120


def intent_of(text: str) -> str | None:
    """'yes' or 'no' for an explicit answer; None for anything else (a question, another request, silence)."""
    text = text.strip().lower()
    if not text or len(text) > MAX_ANSWER_CHARS:
        return None
    words = _WORD.findall(text)
    if words:
        if _NO_WORDS & set(words):
            return "no"
        if words[0] in _YES_WORDS or any(text.startswith(p) for p in _YES_PHRASES):
            return "yes"
        return None
    if text.startswith(_ZH_NO) or any(n in text for n in ("不要", "不用", "别")):
        return "no"
    if text.startswith(_ZH_YES):
        return "yes"
    return None
