"""Options the shopper says stay as they are ("in the same size", "same size and storage", "尺寸和存储都跟原来一样"),
and yes/no options named by their own word ("the waterproof version", "non-waterproof").

A variant that changes an option the shopper keeps is not the one they asked for, however well its other options fit.
"""

from __future__ import annotations

import re

_LINKS = {"and", "or", "&", "both", "all", "the", "its", "my", "their"}
# After "same", these end what it keeps: "the same one but with a black strap" keeps nothing.
_STOPS = {"but", "except", "with", "only", "in", "one", "ones", "instead", "though", "however", "apart", "other"}
_VERBS = {"stay", "stays", "remain", "remains", "is", "are", "be", "kept", "should", "must", "can", "as"}
SAME_AFTER = re.compile(r"\b(?:same|keep(?:ing)?|unchanged)\b((?:[\s,]+[a-z-]+){1,6})")
# "the same" ending its clause keeps what comes before it: "size and storage the same."
SAME_BEFORE = re.compile(r"((?:[a-z-]+[\s,]+){1,8})(?:the same|unchanged|as (?:it is|before|they are)|as is)"
                         r"(?=\s*(?:[.,;!?]|$|as\b|please\b|too\b))")
_ZH_KEPT = re.compile(r"一样|不变|相同|同样|照旧|保持|别变|不要变|原来的")
_ZH_CLAUSE = re.compile(r"[，。；！？,;.!?\n]")
ZH_KEYS = {"尺寸": ("size",), "大小": ("size",), "尺码": ("size",), "颜色": ("color",), "存储": ("storage",),
           "容量": ("capacity", "storage"), "内存": ("ram",), "材质": ("material",), "材料": ("material",),
           "款式": ("style",), "亮度": ("brightness",)}
_NEGATED = r"(?:non-?|not |no |without )"


def _heads_in(words: list[str]) -> set[str]:
    return {word.rstrip(",").replace("colour", "color") for word in words} - _LINKS - _VERBS - {""}


def kept_heads(text: str) -> set[str]:
    """Words naming the options the text says stay the same ("size", "storage"), lowercased."""
    text = text.lower()
    heads: set[str] = set()
    for match in SAME_AFTER.finditer(text):
        words = match.group(1).replace(",", " ").split()
        taken = []
        for word in words:
            if word in _STOPS:
                break
            if word in _LINKS or word in _VERBS:
                continue
            taken.append(word)
            if len(taken) >= 4:
                break
        heads |= _heads_in(taken)
    for match in SAME_BEFORE.finditer(text):
        heads |= _heads_in(match.group(1).replace(",", " ").split()[-4:])
    for clause in _ZH_CLAUSE.split(text):
        if _ZH_KEPT.search(clause):
            heads |= {english for word, names in ZH_KEYS.items() if word in clause for english in names}
    return heads


def is_kept(key: str, heads: set[str]) -> bool:
    """Whether an option (its name, such as "screen size") is one the words keep: its last word or all of it."""
    key = key.lower()
    return key in heads or key.split()[-1] in heads


def flag_said(key: str, value: str, text: str) -> bool:
    """Whether a yes/no option's value is named by the option's own word: "waterproof" says yes (not after "non-",
    "not", "no" or "without"), "non-waterproof" says no."""
    if value not in ("yes", "no"):
        return False
    word = re.escape(key.lower())
    negated = re.search(rf"{_NEGATED}{word}\b", text) is not None
    plain = re.search(rf"(?<!non-)(?<!non)(?<!not )(?<!no )(?<!without ){word}\b", text) is not None
    return plain if value == "yes" else negated
