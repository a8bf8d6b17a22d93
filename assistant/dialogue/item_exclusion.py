"""Items the shopper names only to leave them out: "everything except the pet bed", "除了台灯以外都退".

Naming an item usually means wanting it, so the item repair would otherwise turn "all but the pet bed" into the pet
bed alone. An item counts as left out when a word of exclusion comes before its mention in the same clause, with
only other item mentions and small words in between, or when the sentence that names it holds the change back
("check whether I can return the vacuum too, but I'm not sure yet, so don't process anything").
"""

from __future__ import annotations

import re

from assistant.db import OrderItem
from assistant.tools.item_mentions import mention_spans

EXCEPT = re.compile(r"\b(except(?: for)?|but not|other than|apart from|aside from|excluding|not including"
                    r"|all but|everything but|keep(?:ing)?|leave out|leaving out)\b|除了|除去|不包括|不含|保留|留下|留着")
AFTER = re.compile(r"不退|不用退|不要退|保留|留着|留下|先不动|不换|\b(i'?m keeping|i am keeping|i'?ll keep|i will keep"
                   r"|can stay|stays?|are staying)\b")
# "都" asks for all only with the change after it ("剩下的都退"); "台灯、水瓶这些都留着" keeps them.
EVERYTHING = re.compile(r"\b(all|everything|every item|each item|the rest|every other)\b|全部|所有|其他|其余|其它|剩下|全都"
                        r"|都(?=\s*(退|换|寄回|不要))")
HELD_BACK = re.compile(r"\b(do ?n[o']t|do not) (process|do|change|submit|go ahead with) (it|that|anything|them)"
                       r"(?: yet| for now)?\b|\bnot sure yet\b|\bhaven'?t decided\b|\bjust (asking|checking)\b"
                       r"|先别|先不要?(处理|退|换|动)|还没(想好|决定)|只是问问")
_SENTENCE = re.compile(r"[^.;!?。；！？]+")
_FILLER_WORDS = {"the", "a", "an", "my", "and", "or", "nor", "for", "of", "both", "that", "one", "two", "just", "only"}
_FILLER = re.compile(r"(?:这些|这几样|这两样|那些|它们|[\s,，、的那个件台双把条只和与及跟我都也就还])+")


def _only_filler(gap: str) -> bool:
    rest = _FILLER.sub(" ", gap)
    return not re.search(r"[.;!?。；！？]", gap) and set(re.findall(r"[a-z]+", rest)) <= _FILLER_WORDS \
        and not re.search(r"[^\sa-z]", rest)


def cued(spans: list[tuple[int, int, str]], index: int, text: str, pattern: re.Pattern, step: int) -> bool:
    """Whether a cue (`pattern`) heads the list of mentions the mention at `index` belongs to: before it ("except
    the X and the Y"), or, with `step` 1, after it ("X和Y保留"), with only small words between the mentions."""
    at = index
    while 0 <= at < len(spans):
        if step < 0:
            gap = text[spans[at - 1][1] if at else 0:spans[at][0]]
            cues = list(pattern.finditer(gap))
            cue = cues[-1] if cues else None  # the one nearest the mention
            rest = gap[cue.end():] if cue else gap
        else:
            gap = text[spans[at][1]:spans[at + 1][0] if at + 1 < len(spans) else len(text)]
            cue = pattern.search(gap)
            rest = gap[:cue.start()] if cue else gap
            if not cue and re.search(r"[,，]", rest):
                return False  # "return the charger and the helmet, the bookshelf stays": a comma ends the list
        if not _only_filler(rest):
            return False
        if cue:
            return True
        at += step
    return False


def excluded_items(lines: list[OrderItem], said: str) -> set[str]:
    """The order's item ids the shopper's words leave out."""
    text = said.lower()
    spans = mention_spans({line.item_id: line.name for line in lines}, text)
    held_back = [m.span() for m in _SENTENCE.finditer(text) if HELD_BACK.search(m.group())]
    return {item_id for index, (start, _end, item_id) in enumerate(spans)
            if cued(spans, index, text, EXCEPT, -1) or cued(spans, index, text, AFTER, 1)
            or any(first <= start < last for first, last in held_back)}


def all_but(lines: list[OrderItem], left_out: set[str], said: str) -> list[str] | None:
    """Every item of the order but the ones left out, when the shopper asked for all the rest; else None."""
    if not left_out or not EVERYTHING.search(said.lower()):
        return None
    return [line.item_id for line in lines if line.item_id not in left_out] or None


def outside_kept_clauses(text: str) -> str:
    """The text without its clauses that keep something ("keep the red one", "红色的留着")."""
    return " ".join(c for c in re.split(r"[.;!?。；！？,，]", text) if not EXCEPT.search(c) and not AFTER.search(c))

