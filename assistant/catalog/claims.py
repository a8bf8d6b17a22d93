"""Which facts in a product description the product's record does not hold.

A fact here is a number (a size, a capacity, a price), a word from a lexicon of materials, colours and features,
in English or Chinese, or the name of another product in the catalog (a small model copies its examples). Each
is supported when the record (name, specification line, option names and values, prices) says it; everything
else is returned for staff to check before the copy is saved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COLOURS = ["black", "white", "red", "blue", "green", "grey", "gray", "navy", "beige", "purple", "orange", "gold",
           "silver", "brass", "pink", "yellow", "brown", "tortoise"]
MATERIALS = ["cotton", "polyester", "leather", "synthetic", "nylon", "canvas", "stainless steel", "glass", "plastic",
             "wool", "merino", "fleece", "bamboo", "walnut", "mesh", "fabric", "pine", "oak", "metal", "linen",
             "memory foam", "ceramic", "terracotta", "concrete", "resin", "steel", "silicone", "tpe",
             "rubber", "pvc", "iron", "urethane", "aluminium", "aluminum", "titanium", "denim", "cashmere", "silk",
             "neoprene", "wood", "soy"]
FEATURES = ["waterproof", "water-resistant", "windproof", "insulated", "wireless", "bluetooth", "noise-cancelling",
            "lightweight", "breathable", "dishwasher-safe", "bpa-free", "machine-washable", "warranty", "lifetime",
            "handmade", "vegan", "organic", "recycled", "uv400", "polarized", "leak-proof", "packable", "non-slip",
            "ergonomic", "adjustable", "foldable", "cushioned", "rechargeable", "usb", "fast-boil"]
ZH_TERMS = {
    "黑色": "black", "白色": "white", "红色": "red", "蓝色": "blue", "绿色": "green", "灰色": "grey", "藏青": "navy",
    "米色": "beige", "紫色": "purple", "橙色": "orange", "金色": "gold", "银色": "silver", "粉色": "pink",
    "黄色": "yellow", "棕色": "brown", "纯棉": "cotton", "棉质": "cotton", "涤纶": "polyester", "真皮": "leather",
    "皮革": "leather", "合成材料": "synthetic", "尼龙": "nylon", "帆布": "canvas", "不锈钢": "stainless steel",
    "玻璃": "glass", "塑料": "plastic", "羊毛": "wool", "美利奴": "merino", "抓绒": "fleece", "竹": "bamboo",
    "胡桃木": "walnut", "网布": "mesh", "亚麻": "linen", "记忆棉": "memory foam", "陶瓷": "ceramic",
    "硅胶": "silicone", "橡胶": "rubber", "铝": "aluminium", "钛": "titanium", "丹宁": "denim", "牛仔布": "denim",
    "羊绒": "cashmere", "真丝": "silk", "防水": "waterproof", "防风": "windproof", "保温": "insulated",
    "无线": "wireless", "蓝牙": "bluetooth", "降噪": "noise-cancelling", "轻量": "lightweight", "透气": "breathable",
    "防漏": "leak-proof", "可收纳": "packable", "防滑": "non-slip", "人体工学": "ergonomic", "可调节": "adjustable",
    "可折叠": "foldable", "缓震": "cushioned", "保修": "warranty", "终身": "lifetime", "有机": "organic",
    "环保再生": "recycled", "偏光": "polarized", "可充电": "rechargeable", "速沸": "fast-boil",
}
_ENGLISH = re.compile(r"(?<![a-z])(" + "|".join(sorted(map(re.escape, COLOURS + MATERIALS + FEATURES), key=len,
                                                          reverse=True)) + r")(?![a-z])", re.I)
_CHINESE = re.compile("|".join(sorted(map(re.escape, ZH_TERMS), key=len, reverse=True)))
_NUMBER = re.compile(r"(?<![\w.])\$?(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class Claim:
    start: int
    end: int
    text: str
    reason: str


def record_text(record: dict) -> str:
    """Everything a product record says, lower-cased: name, specification, option names and values, prices."""
    parts = [record.get("name", ""), record.get("description") or ""]
    for variant in record.get("variants", []):
        parts += [*variant["options"].keys(), *map(str, variant["options"].values()), f"{variant['price']:.2f}"]
    return " ".join(parts).lower()


def _numbers(text: str) -> set[str]:
    found = set()
    for match in _NUMBER.finditer(text):
        value = match.group(1)
        found |= {value, value.split(".")[0]} if value.endswith(".00") else {value}
    return found


def _says(text: str, term: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(term)}(?![a-z])", text) is not None


def unsupported_claims(copy: str, record: dict, other_products: tuple[str, ...] | list[str] = ()) -> list[Claim]:
    """The claims in `copy` that the record does not support, in order; `other_products` are catalog names."""
    said = record_text(record)
    known_numbers = _numbers(said)
    claims = []
    for match in _ENGLISH.finditer(copy):
        term = match.group(1).lower()
        if not _says(said, term):
            claims.append(Claim(match.start(1), match.end(1), match.group(1), f"'{term}' is not in the record"))
    for match in _CHINESE.finditer(copy):
        term = ZH_TERMS[match.group(0)]
        if not _says(said, term):
            claims.append(Claim(match.start(), match.end(), match.group(0), f"'{term}' is not in the record"))
    for name in other_products:
        if _says(said, name.lower()):
            continue
        for match in re.finditer(rf"(?<![a-z]){re.escape(name)}s?(?![a-z])", copy, re.I):
            claims.append(Claim(match.start(), match.end(), match.group(0), f"'{name}' is another product"))
    for match in _NUMBER.finditer(copy):
        if match.group(1) not in known_numbers:
            claims.append(Claim(match.start(1), match.end(1), match.group(1), "this number is not in the record"))
    return sorted(claims, key=lambda c: c.start)


def highlighted(copy: str, claims: list[Claim]) -> list[tuple[str, str | None]]:
    """`copy` as (text, label) pieces for gradio's HighlightedText: unsupported claims labelled."""
    pieces, at = [], 0
    for claim in claims:
        if claim.start < at:
            continue
        label = "repeats another product" if claim.reason.startswith("repeats") else "not in the record"
        pieces += [(copy[at:claim.start], None), (copy[claim.start:claim.end], label)]
        at = claim.end
    return [p for p in pieces + [(copy[at:], None)] if p[0]]
