"""Ranking a product's variants against a shopper's words: "the same but in black", "one size bigger", "the cheapest".

Code does what a small model cannot: read every variant's options. A variant scores for each option it changes to a
value the words name, and for moving an ordered option (sizes, capacities, levels) the way a comparative asks.
Ties go to the variant that changes least of what the shopper did not mention, then to the price a superlative asks
for. Chinese words are read through the catalog glossary.
"""

from __future__ import annotations

import re
from functools import cache

from assistant.tools.kept_options import flag_said, is_kept, kept_heads

OFFER = re.compile(r"(\d{6,}) -> (\d{6,})")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Words too common to say anything about an option when they are all a value shares with the request.
_WEAK = {"no", "yes", "none", "a", "an", "the", "in", "on", "of", "with", "and", "or", "to", "for", "one"}
SCALES = (("xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"), ("small", "medium", "large"),
          ("low", "medium", "high"), ("beginner", "intermediate", "expert"), ("basic", "professional"))
SIZE_LETTERS = {"xs": "extra small", "s": "small", "m": "medium", "l": "large", "xl": "extra large",
                "xxl": "extra extra large"}
# "my most recent order" and "at least" say when and how many, not which way an option should go.
MOST = re.compile(r"\b(biggest|largest|longest|highest|maximum|max|most(?! recent))\b|最大|最高|最长|最多")
LEAST = re.compile(r"\b(smallest|shortest|lowest|minimum|min|fewest|(?<!at )least)\b|最小|最低|最短|最少")
UP = re.compile(r"\b(bigger|larger|longer|higher|taller|brighter|(?<!any )(?<!no )more|greater|heavier|stronger"
                r"|faster)\b|更大|大一|大点|更高|更亮|更长|更多|加大")
DOWN = re.compile(r"\b(smaller|shorter|lower|less|dimmer|fewer|lighter|weaker|slower)\b"
                  r"|更小|小一|小点|更低|更暗|更短|更少")
CHEAPEST = re.compile(r"\b(cheapest|least expensive|lowest price|cheaper|less expensive|most affordable)\b"
                      r"|最便宜|便宜|最低价")
RANKING = re.compile(r">|\bprefer(red|ably|ence)?\b|\bin that order\b|\bfirst choice\b|优先|首选|其次")
DEAREST = re.compile(r"\b(most expensive|priciest|highest price|top of the line)\b|最贵")


@cache
def _synonyms() -> tuple[re.Pattern, dict[str, str]]:
    from assistant.catalog.needs import english_synonyms

    words = english_synonyms()
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9-])({pattern})(?![a-z0-9-])"), words


def _with_catalog_words(text: str) -> str:
    """The text with the catalog's word after each everyday one ("power bank portable charger"), where the catalog's
    word is not there already; in place, so what is said around a mention stays with it."""
    pattern, words = _synonyms()

    heads = {name.split()[-1] for name in words.values()}

    def add(match: re.Match) -> str:
        word = words[match.group(1)]
        near = text[max(0, match.start() - len(word)):match.end() + len(word)]
        # "fleece bed" is a bed of fleece, not a fleece jacket: a word before a catalog noun describes it.
        after = re.match(r"\s+([a-z]+)", text[match.end():])
        return match.group(0) if word in near or (after and after.group(1) in heads) else f"{match.group(0)} {word}"
    return pattern.sub(add, text)


@cache
def lowered_glossary() -> dict[str, str]:
    from assistant.catalog.needs import glossary

    # Lowercased like the text it is matched against: "T恤" is found in "t恤".
    return {word.lower(): english for word, english in sorted(glossary().items(), key=lambda kv: -len(kv[0]))}


_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "ten": "10"}
# Quantities written out the way option values spell them: "1.5-litre" is "1.5l", "7 inches" is "7-inch".
_UNITS = ((re.compile(r"\b(\d+(?:\.\d+)?)[\s-]*(?:litres?|liters?|升)(?![a-z])"), r"\1l"),
          (re.compile(r"\b(\d+(?:\.\d+)?)[\s-]*(?:inches|inch|英寸|寸)(?![a-z])"), r"\1-inch"),
          (re.compile(r"\b(\d+(?:\.\d+)?)[\s-]*(?:feet|foot|ft)(?![a-z])"), r"\1 ft"))


def _with_units(text: str) -> str:
    text = re.sub(rf"\b({'|'.join(_NUMBER_WORDS)})(?=[\s-]+(?:litres?|liters?|inch|inches|feet|foot)\b)",
                  lambda m: _NUMBER_WORDS[m.group(1)], text)
    for pattern, replacement in _UNITS:
        text = pattern.sub(replacement, text)
    return text


def in_english(text: str) -> str:
    """The text, lowercased, quantities spelled as option values spell them, the catalog's word beside each everyday
    English one, and the English for each Chinese catalog word it holds appended."""
    text = _with_catalog_words(_with_units(text.lower()))
    if not CJK.search(text):
        return text
    found, rest = [], text
    for word, english in lowered_glossary().items():
        if word in rest:
            found.append(english)
            rest = rest.replace(word, " ")
    return f"{text} {' '.join(found)}"


def says(value: str, text: str) -> bool:
    """Whether the (lowercased) text has the value as a whole word or phrase; a space and a hyphen are one ("28 inch"
    is said in "the 28-inch board")."""
    pattern = re.sub(r"(?:\\ |\\-|-)", r"[\\s-]", re.escape(value))
    return re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", text) is not None


def said_as_now(values, text: str) -> int:
    """How many of the option values the (lowercased) text says as an item is now ("my small v-neck tshirt", "the
    one-litre black one"), not as what it should become ("… to purple", "… for black")."""
    said = 0
    for value in {str(v).lower() for v in values}:
        forms = {form for form in (value, SIZE_LETTERS.get(value, "")) if len(form) > 1}  # "s" is in "shopper's"
        if any(says(form, text) and not re.search(rf"\b(to|into|for|instead)( an?| the)? {re.escape(form)}\b", text)
               for form in forms):
            said += 1
    return said


def lines_meant(lines: list, text: str) -> list:
    """Of order lines sharing a name, the ones whose current options the words describe most; all when none."""
    said = {id(line): said_as_now((line.options or {}).values(), text) for line in lines}
    best = max(said.values(), default=0)
    return [line for line in lines if said[id(line)] == best] if best else lines


def _rank(value: str) -> float | None:
    """Where a value sits on its ordered scale: its leading number, or its place in a known word scale."""
    if match := _NUMBER.match(value):
        return float(match.group(1))
    for scale in SCALES:
        if value in scale:
            return float(scale.index(value))
    return None


def wanted_direction(text: str) -> int:
    """+1 when the words ask for more of something, -1 for less, 0 for neither or both; doubled for a superlative
    ("the largest"), which prefers the farthest step over the nearest."""
    if most := bool(MOST.search(text)) - bool(LEAST.search(text)):
        return 2 * most
    return bool(UP.search(text)) - bool(DOWN.search(text))


def _step(options: dict, current: dict, direction: int) -> float:
    """How far the variant moves its ordered options the asked way: nearest first, or farthest for a superlative."""
    moves = [abs(new - old) for key, value in options.items()
             if (new := _rank(str(value).lower())) is not None and (old := _rank(str(current.get(key, "")).lower()))
             is not None and (new - old) * direction > 0]
    return (-max(moves) if abs(direction) > 1 else min(moves)) if moves else 0.0


def price_order(text: str) -> int:
    """-1 when the words ask for the cheapest, +1 for the most expensive, 0 otherwise."""
    return 1 if DEAREST.search(text) else -1 if CHEAPEST.search(text) else 0


def _first_said(value: str, text: str) -> int | None:
    """Where the words first name a value, whole or by a telling word of it."""
    spots = [m.start() for token in [value, *(set(_TOKEN.findall(value)) - _WEAK)] if token not in _WEAK
             for m in [re.search(rf"(?<![a-z0-9]){re.escape(token)}(?![a-z0-9])", text)] if m]
    return min(spots, default=None)


def preferences(current: dict, variants: list, text: str) -> dict[str, list[str]]:
    """Option → its values in the order the words name them, for each option of which they name two or more
    ("prefer battery > USB > AC"): the first named is wanted most, whether the item has it already or not."""
    if not RANKING.search(text):
        return {}  # "from red to black" names two colours but ranks none
    values: dict[str, set[str]] = {}
    for options in [current, *(v.options for v in variants)]:
        for key, value in options.items():
            values.setdefault(key, set()).add(str(value).lower())
    out = {}
    for key, candidates in values.items():
        said = sorted((spot, value) for value in candidates if (spot := _first_said(value, text)) is not None)
        if len(said) >= 2:
            out[key] = [value for _spot, value in said]
    return out


def option_score(options: dict, current: dict, text: str, words: set[str], direction: int,
                 preferred: dict[str, list[str]] | None = None, kept: set[str] | None = None) -> int:
    """For each option the variant changes: 2 when the words name its value whole (a yes/no option by its own word:
    "waterproof"), 1 when they share a telling word with it, 1 when it moves an ordered option the way the words ask
    (one step scores most), -1 when it moves one the other way to a value the words do not name, and -3 when the
    words keep that option ("in the same size"). An option the words list several values of scores by the value's
    place in that list instead, changed or not."""
    score = 0
    for key, raw in options.items():
        value, was = str(raw).lower(), str(current.get(key, "")).lower()
        if key in (preferred or {}):
            ranked = preferred[key]
            score += len(ranked) - ranked.index(value) if value in ranked else 0
            continue
        if value == was:
            continue
        if is_kept(key, kept or set()):
            score -= 3
            continue
        named = ((says(value, text) or says(SIZE_LETTERS.get(value, "\0"), text)) and value not in _WEAK
                 or flag_said(key, value, text))
        if named:
            score += 2
        elif (set(_TOKEN.findall(value)) - _WEAK) & words:
            score += 1
        new, old = _rank(value), _rank(was)
        if direction and new is not None and old is not None and new != old:
            # "a brighter one" is never answered with a dimmer one, unless the words name that value
            score += 1 if (new - old) * direction > 0 else 0 if named else -1
        elif not named and was not in _WEAK and len(was) > 1 and says(was, text) and not _replaced(was).search(text):
            score -= 1  # "the black mouse … for the black wireless one": black is what it is and stays
    return score


def _replaced(value: str) -> re.Pattern:
    """The value said as what goes: "instead of apple homekit", "rather than black", "from red"."""
    return re.compile(rf"\b(instead of|rather than|other than|not|from|than)( an?| the| my)? {re.escape(value)}\b")


def changed(options: dict, current: dict) -> int:
    return sum(str(v).lower() != str(current.get(k, "")).lower() for k, v in options.items())


def ranked_variants(current: dict, price: float, variants: list, wanted: str) -> list:
    """The variants that fit the words best, best first; only ones that move an ordered option the way a comparative
    asks, when any does. `variants` have `.options` and `.price`; empty when the words point at none of them and ask
    for no price extreme."""
    text = in_english(wanted)
    words = set(_TOKEN.findall(text)) - _WEAK
    direction, by_price = wanted_direction(text), price_order(text)
    if direction and (movers := [v for v in variants if _step(v.options, current, direction)]):
        variants = movers  # "a brighter one" must be brighter, whatever else the words prefer
    preferred = preferences(current, variants, text)
    kept = kept_heads(text)
    scored = [(option_score(v.options, current, text, words, direction, preferred, kept), v) for v in variants]
    best = max((s for s, _ in scored), default=0)
    if best <= 0 and not by_price:
        return []
    top = [v for s, v in scored if s == best]
    if by_price:
        return sorted(top, key=lambda v: (by_price * -v.price, changed(v.options, current)))
    if abs(direction) > 1:  # "the largest": the farthest step first, whatever else changes with it
        return sorted(top, key=lambda v: (_step(v.options, current, direction), changed(v.options, current)))
    return sorted(top, key=lambda v: (changed(v.options, current), _step(v.options, current, direction),
                                      abs(v.price - price)))


def offers_in(text: str) -> dict[str, list[str]]:
    """Old item id → new item ids, best first, from `find_item_variants` output."""
    offers: dict[str, list[str]] = {}
    for old, new in OFFER.findall(text):
        offers.setdefault(old, []).append(new)
    return offers
