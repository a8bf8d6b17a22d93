"""Where the shopper's words mention an order's items, and what they say of each: "the helmet in red and the luggage
in black" says red of the helmet and black of the luggage set.

An item is mentioned by its name, by its name's last word ("the bed"), or by a Chinese catalog word through the
glossary. A mention that only says which order is meant ("in my order with the purple tee") can be set aside, so
the words after it stay with the item being changed.
"""

from __future__ import annotations

import re

from assistant.tools.variant_match import CJK, in_english, lowered_glossary

# Last words of item names too common to name the item alone ("set it to black" names no luggage set).
_GENERIC_HEADS = {"set", "kit"}
_BOUGHT = r"(?:bought|ordered|got|purchased|paid for|received)"
# "the order with …", "the one where I bought …": what follows names items only to pick an order out.
ORDER_CUE = re.compile(rf"\b(?:orders?|ones?|purchases?|packages?|parcels?|deliver(?:y|ies)|shipments?)\s+"
                       rf"(?:(?:that|which)\s+)?(?:with|having|has|had|holds|held|contain(?:s|ed|ing)?"
                       rf"|includ(?:es|ed|ing)|(?:where|in which|when|that|which)?\s*i\s+{_BOUGHT})\b"
                       rf"|\b(?:where|in which|when)\s+i\s+{_BOUGHT}\b")
# Between the cue and a mention: an article and at most two words ("with the purple tee"), and from one mention to
# the next, a list going on (", the lamp and the pet bed"), not a new clause (", swap the tee").
_FIRST_GAP = re.compile(r"\s*(?:(?:the|a|an|my|some|two|three|one|those|these)\s+)?(?:[a-z0-9-]+\s+){0,2}")
_LIST_GAP = re.compile(r"\s*,?\s*(?:and|or|plus|&)?\s*(?:the|a|an|my|some|two|three|one)\s+(?:[a-z0-9-]+\s+){0,2}")
_CLAUSE_END = re.compile(r"[.!?;,:\n](?=\s|$)")


def item_texts(names: dict[str, str], wanted: str, references: bool = True) -> dict[str, str]:
    """For each item id named in the words, the words from each mention of it to the next mention of another item:
    "the helmet in red and the luggage in black" gives the helmet "red" and the luggage "black". With `references`
    false, a mention that only picks the order out is blanked: its item is not named there, and its words go to no
    item ("the fleece jacket in my order with the purple tee … make it red" says red of the jacket alone)."""
    text = in_english(wanted)
    found = _english_spans(names, text)
    if not references:
        text, found = _without_references(text, found)
    spans = sorted((start, item_id) for start, _end, item_id in found)
    if CJK.search(text):
        # Chinese is read through the glossary's English appended after it, which keeps no order: each item named
        # gets all the words ("想换一个支持 Google Assistant 的" is said of the 温控器 before it).
        return {item_id: text for _start, item_id in spans}
    out: dict[str, str] = {}
    starts = sorted({start for start, _ in spans})
    # A mention's words begin at the article heading it: "swap the white power bank" says "white" of the power bank.
    begins = {start: max(_phrase_start(text, start), before + 1) for before, start in zip([-1, *starts], starts)}
    ends = dict(zip(starts, [begins[s] for s in starts[1:]] + [len(text)]))
    # Words before the first mention, in its clause, are said of it: "brightness high for the lamp".
    head = max((m.end() for m in _CLAUSE_END.finditer(text, 0, starts[0])), default=0) if spans else 0
    for start, item_id in spans:
        # Two lines of one name are mentioned at one spot: each gets the words up to the next spot, not to the other.
        said = text[head if start == starts[0] else begins[start]:ends[start]]
        out[item_id] = f"{out.get(item_id, '')} {said}".strip()
    return out


_HEADED = re.compile(r"\b(?:the|a|an|my|this|that|these|those|your|our)\s+(?:[a-z0-9.%-]+\s+){0,3}$")


def _phrase_start(text: str, start: int) -> int:
    """Where the noun phrase of the mention at `start` begins: at its article, up to three words before it."""
    match = _HEADED.search(text, max(0, start - 60), start)
    return match.start() if match else start


def mention_spans(names: dict[str, str], text: str) -> list[tuple[int, int, str]]:
    """(start, end, item id) of each mention of an item in the lowercased text, in order; a Chinese catalog word
    counts as a mention of the items whose names hold its English."""
    spans = _english_spans(names, text)
    if CJK.search(text):
        claimed: list[tuple[int, int]] = []
        for word, english in lowered_glossary().items():  # longest first: "水壶" inside "电热水壶" is not a mention
            found = [m.span() for m in re.finditer(re.escape(word), text)
                     if not any(a <= m.start() and m.end() <= b for a, b in claimed)]
            if not found:
                continue
            claimed += found
            # "茶壶" is the Tea Kettle, not every kettle: the whole English name first, then any telling word of it
            holders = ([item_id for item_id, name in names.items() if english in name.lower()]
                       or [item_id for item_id, name in names.items()
                           if any(next(_mentions(w, name.lower()), None) for w in english.split() if len(w) > 2)])
            spans += [(start, end, item_id) for start, end in found for item_id in holders]
    return sorted(spans)


def _english_spans(names: dict[str, str], text: str) -> list[tuple[int, int, str]]:
    return sorted((m.start(), m.end(), item_id) for item_id, name in names.items() for m in _mentions(name, text))


def _mentions(name: str, text: str):
    name = name.lower()
    head = name.split()[-1]
    forms = {name, name.rstrip("s")} | ({head, head + "s", head.rstrip("s")} if len(head) > 2 and head not in
                                        _GENERIC_HEADS else set())
    return re.finditer("|".join(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])" for f in sorted(forms, key=len,
                                                                                         reverse=True)), text)


def _without_references(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, list[tuple[int, int, str]]]:
    """The text with each order reference ("order with the purple tee") blanked, and the mentions outside them."""
    kept, blanks = [], []
    for start, end, item_id in spans:
        cues = list(ORDER_CUE.finditer(text, max(0, start - 120), start))
        if cues and _listed(text, cues[-1].end(), start, spans):
            blanks.append((cues[-1].start(), end))
        else:
            kept.append((start, end, item_id))
    for first, last in blanks:
        text = text[:first] + " " * (last - first) + text[last:]
    return text, kept


def _listed(text: str, cue_end: int, start: int, spans: list[tuple[int, int, str]]) -> bool:
    """Whether the mention at `start` is in the list of items the cue ending at `cue_end` heads."""
    between = sorted({(s, e) for s, e, _ in spans if cue_end <= s and e <= start})
    edges = [cue_end, *[e for _, e in between]]
    ends = [s for s, _ in between] + [start]
    return all((_FIRST_GAP if i == 0 else _LIST_GAP).fullmatch(text, a, b) for i, (a, b) in enumerate(zip(edges, ends)))
