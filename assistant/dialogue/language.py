"""Which language the shopper writes in: English or Chinese."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# An email, a link, an order id or a street number is copied, not written: it says nothing of the language.
# Only ASCII runs: Chinese has no spaces, so a run of any characters would take a whole sentence with its "30块".
_COPIED = re.compile(r"[!-~]*[\d#@/][!-~]*")


def detect_language(text: str, default: str = "en") -> str:
    """'zh' when at least a fifth of the written letters are Chinese characters, else 'en'; `default` (the
    conversation's language so far) when only copied things (an email, an id) carry letters. A Chinese
    conversation stays Chinese while its messages hold Chinese words, even around an English address."""
    written = _COPIED.sub(" ", text)
    letters = sum(ch.isalpha() for ch in written)
    if not letters:
        return default
    chinese = len(_CJK.findall(written))
    if chinese and default == "zh" or not chinese and len(written.split()) <= 2:
        return default  # "ok", "yes please": too little to change the conversation's language
    return "zh" if chinese / letters >= 0.2 else "en"
