"""What a shopper looking for a product asks for: a price range, option words and the words to search with.

Prices and options are read here, in code, so that the catalog search can filter on them exactly; the model never
does arithmetic over prices. A Chinese request is searched with the English words of a shop glossary, because the
catalog is in English and the embedder reads English only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from knowledge.chunking import language_of
from knowledge.search import english_translation

NUMBER = r"(\d+(?:[.,]\d+)?)"
MONEY = r"(?:\$|usd\s?|us\$|¥|￥)?\s*"
# A number followed by a unit is a size or a capacity, not a price: "65W or more", "27 inch".
NOT_A_UNIT = r"(?!\s*(?:w\b|mah|ml|l\b|litre|liter|inch|in\b|mm|cm|kg|g\b|pieces?|pcs|players?|person|people|hours?|"
NOT_A_UNIT += r"cups?|slots?|%|c\b|degrees|hz|k\b|p\b|寸|毫安|升|人|片|个))"
CEILING_EN = re.compile(r"\b(?:under|below|less than|no more than|not more than|at most|max(?:imum)?|up to|"
                        r"nothing over|not over|cheaper than|within|budget(?: is| of)?)\s*" + MONEY + NUMBER
                        + r"\s*(?:dollars|bucks|usd)?" + NOT_A_UNIT, re.I)
FLOOR_EN = re.compile(r"\b(?:(?<!nothing )(?<!not )over|above|(?<!no )(?<!not )more than|at least|from)\s*"
                      + MONEY + NUMBER + r"\s*(?:dollars|bucks|usd)?" + NOT_A_UNIT, re.I)
RANGE_EN = re.compile(r"\bbetween\s*" + MONEY + NUMBER + r"\s*(?:and|-|to)\s*" + MONEY + NUMBER, re.I)
DOLLARS = re.compile(r"\$\s*" + NUMBER + r"|" + NUMBER + r"\s*(?:dollars|bucks|usd)\b", re.I)
CEILING_ZH = re.compile(r"(?:低于|不超过|不到|少于|最多|预算|小于)\s*" + MONEY + NUMBER
                        + r"|" + MONEY + NUMBER + r"\s*(?:美元|元|块钱|块|刀)?\s*(?:以内|以下|之内|内)")
FLOOR_ZH = re.compile(MONEY + NUMBER + r"\s*(?:美元|元|块钱|块|刀)?\s*以上|(?<![不没])(?:高于|超过|至少)\s*" + MONEY + NUMBER)
# A chat-tuned model sometimes answers instead of translating ("Sorry, I can't ..."); its words would be searched.
REPLY = re.compile(r"\b(?:sorry|I can(?:'|no)t|anything else)\b", re.I)
CHEAPEST = re.compile(r"\b(cheapest|least expensive|lowest price|budget|affordable|cheap)\b|最便宜|便宜|实惠|性价比", re.I)
WORD = re.compile(r"[a-z0-9][a-z0-9+%-]*", re.I)
HAN = re.compile(r"[\u3400-\u9fff]+")
# Words that say the shopper is shopping but not for what: alone, they leave nothing to search with.
GENERIC = set("""a an the and or of to in on for is are be i i'm im me my you your it do does can could would will any
anything something some thing things stuff item items product products recommend recommendation recommendations suggest
suggestion ideas idea looking look find need want wanted like i'd get got buy buying purchase shop shopping sell
sells selling have has carry stock offer please help good nice best great new what which with without that this
there here gift gifts present presents someone somebody friend mom mum dad mother father wife husband girlfriend
boyfriend kid kids child birthday christmas show see us we our some one ones just really very no not""".split())
GENERIC_ZH = {"推荐", "有没有", "有", "没有", "吗", "想", "想要", "要", "买", "想买", "卖", "有卖", "东西", "什么", "礼物", "送",
              "送给", "给", "适合", "的", "一个", "一款", "一下", "好", "好的", "哪", "哪个", "哪款", "我", "你们", "请", "帮",
              "看看", "妈妈", "爸爸", "朋友", "老婆", "老公", "孩子", "生日"}


@cache
def glossary() -> dict[str, str]:
    data = json.loads(files("assistant.catalog").joinpath("glossary_zh.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


@cache
def english_synonyms() -> dict[str, str]:
    """Everyday English product words and the catalog's words for them ("power bank": "portable charger")."""
    data = json.loads(files("assistant.catalog").joinpath("synonyms_en.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def _amount(text: str) -> float:
    return float(text.replace(",", ""))


def _first(pattern: re.Pattern, text: str) -> float | None:
    for match in pattern.finditer(text):
        value = next((g for g in match.groups() if g), None)
        if value is not None:
            return _amount(value)
    return None


def _longest_matches(word: str, entries: dict[str, str]) -> list[str]:
    """The glossary words inside a word jieba kept whole ("无线耳机" is "无线" and "耳机"), longest first."""
    out, i = [], 0
    while i < len(word):
        for j in range(min(len(word), i + 5), i, -1):
            if word[i:j] in entries and word[i:j] not in GENERIC_ZH and (j - i > 1 or len(word) > 1):
                out.append(entries[word[i:j]])
                i = j
                break
        else:
            i += 1
    return out


def glossary_words(text: str) -> tuple[list[str], list[str]]:
    """The glossary's English for the Chinese words of `text`, longest match first, plus its Latin words; and the
    Chinese words it has no English for (beyond the ones that carry no product: "推荐", "的")."""
    import jieba

    entries, out, missed = glossary(), [], []
    for run in HAN.findall(text):
        words = jieba.lcut(run)
        i = 0
        while i < len(words):
            # Join neighbouring pieces jieba split apart ("两", "万") when the glossary knows the whole.
            for j in range(min(len(words), i + 3), i, -1):
                if (joined := "".join(words[i:j])) in entries:
                    out.append(entries[joined])
                    i = j
                    break
            else:
                found = _longest_matches(words[i], entries)
                if not found and words[i] not in GENERIC_ZH and len(words[i]) > 1:
                    missed.append(words[i])
                out += found
                i += 1
    return out + WORD.findall(HAN.sub(" ", text)), missed


@dataclass
class Need:
    """A product request, read: `query` is English; prices are in the shop's currency."""

    text: str
    language: str
    query: str
    price_min: float | None = None
    price_max: float | None = None
    cheapest: bool = False
    content: list[str] = field(default_factory=list)

    @property
    def vague(self) -> bool:
        """Nothing to search with: no product, use or attribute named, and no price."""
        return not self.content

    @property
    def has_price(self) -> bool:
        return self.price_min is not None or self.price_max is not None

    def fits(self, price: float) -> bool:
        low, high = self.price_min, self.price_max
        return (low is None or price >= low) and (high is None or price <= high)


def _without_prices(text: str) -> str:
    text = RANGE_EN.sub(" ", CEILING_EN.sub(" ", FLOOR_EN.sub(" ", text)))
    return DOLLARS.sub(" ", CEILING_ZH.sub(" ", FLOOR_ZH.sub(" ", text)))


def read_need(text: str, translate: Callable[[str], str | None] | None = None) -> Need:
    """The price range, the English search words and the content words of a shopper's product request.
    `translate` (Chinese → English, or None) adds the English of a Chinese request whose words the glossary
    does not all know."""
    text = text.strip()
    language = language_of(text)
    low = high = None
    if found := RANGE_EN.search(text):
        low, high = sorted((_amount(found.group(1)), _amount(found.group(2))))
    else:
        high = _first(CEILING_ZH, text) if language == "zh" else None
        high = high if high is not None else _first(CEILING_EN, text)
        low = _first(FLOOR_ZH, text) if language == "zh" else None
        low = low if low is not None else _first(FLOOR_EN, text)
    priced = _without_prices(text)
    words, missed = glossary_words(priced) if language == "zh" else (WORD.findall(priced), [])
    # The glossary knows most shopping words; the model is asked (seconds) only about a request it leaves unread.
    if missed and translate and (english := english_translation(translate, text)) and not REPLY.search(english):
        known = {w.lower() for w in words}
        words += [w for w in WORD.findall(_without_prices(english)) if w.lower() not in known]
    query = " ".join(words)
    content = [w for w in query.lower().split() if w not in GENERIC and not w.isdigit() or w.isdigit() and len(w) >= 2]
    content = [w for w in content if w not in {"cheap", "cheapest", "budget", "affordable"}]
    return Need(text=text, language=language, query=query or text, price_min=low, price_max=high,
                cheapest=bool(CHEAPEST.search(text)), content=content)
