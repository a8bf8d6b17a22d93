"""Product search for shoppers: hybrid retrieval over the catalog, then price, stock and option filters in code.

Each product is one entry (name, description, saved copy, option values). Dense vectors (the knowledge base's
embedder) and BM25 (which reads Chinese copy through jieba) are fused by reciprocal rank. A product counts as an
answer only when it is close enough to the request: its name shares a word with it, or its vector is near. Prices
and options are then checked against the variants, never left to a model.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from assistant.catalog.needs import Need
from assistant.db import Database, Product
from assistant.knowledge_base import copy_by_product
from knowledge.lexical import LexicalIndex, reciprocal_rank_fusion, tokenize

# Chosen on the product question set's dev split (`kefu catalog eval --split dev`): a product is offered when it
# is at least this near the request and not much further than the nearest one.
MIN_SIMILARITY = 0.35
MAX_BEHIND_BEST = 0.12
SIZE_WORDS = {"extra small": "XS", "small": "S", "medium": "M", "large": "L", "extra large": "XL"}


@dataclass
class Entry:
    product_id: str
    name: str
    text: str
    variants: list[dict]
    axes: dict[str, list[str]]


@dataclass
class Found:
    """One product that answers a request, with the variants that fit it."""

    entry: Entry
    similarity: float
    fitting: list[dict]
    matched_options: dict[str, str] = field(default_factory=dict)
    matched_words: list[str] = field(default_factory=list)

    @property
    def in_stock(self) -> bool:
        return any(v["available"] for v in self.fitting)

    def card(self) -> dict:
        """What the widget shows: name, key options, the price range of the fitting variants, stock."""
        prices = [v["price"] for v in self.fitting if v["available"]] or [v["price"] for v in self.fitting]
        options = {axis: sorted({str(v["options"].get(axis)) for v in self.fitting if axis in v["options"]})[:6]
                   for axis in list(self.entry.axes)[:3]}
        best = self.fitting[0]
        return {"product_id": self.entry.product_id, "name": self.entry.name, "item_id": best["item_id"],
                "price_from": min(prices), "price_to": max(prices), "in_stock": self.in_stock, "options": options,
                "matched_options": self.matched_options, "matched_words": self.matched_words}


@dataclass
class SearchResult:
    found: list[Found]
    over_budget: list[tuple[str, float]] = field(default_factory=list)


def _entries(db: Database) -> list[Entry]:
    with db.session() as session:
        copy = copy_by_product(session)
        products = session.scalars(select(Product).order_by(Product.position).options(selectinload(Product.variants)))
        entries = []
        for product in products:
            variants = [{"item_id": v.id, "options": dict(v.options), "price": float(v.price),
                         "available": bool(v.available)} for v in product.variants]
            axes: dict[str, list[str]] = {}
            for variant in variants:
                for axis, value in variant["options"].items():
                    values = axes.setdefault(axis, [])
                    if str(value) not in values:
                        values.append(str(value))
            options = "; ".join(f"{axis}: {', '.join(values)}" for axis, values in axes.items())
            text = " ".join([f"{product.name}.", product.description or "", *copy.get(product.id, []),
                             f"Options: {options}."])
            entries.append(Entry(product.id, product.name, text, variants, axes))
    return entries


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(r"(?<![a-z0-9])" + re.escape(phrase.lower()) + r"(?![a-z0-9])", text) is not None


def wanted_options(entry: Entry, query: str) -> dict[str, str]:
    """The option values of this product that the request names: 'navy', 'size M', 'waterproof' (a yes/no axis)."""
    text = query.lower()
    for word, size in SIZE_WORDS.items():
        text = re.sub(r"(?<![a-z])" + word + r"(?![a-z])", f"size {size.lower()}", text)
    wanted = {}
    for axis, values in entry.axes.items():
        if {v.lower() for v in values} <= {"yes", "no"}:
            if _phrase_in(axis, text):
                wanted[axis] = "yes"
            continue
        for value in sorted(values, key=len, reverse=True):
            short = len(value) <= 2 and value.isalpha()  # "M", "XL": only as "size M", never the letter alone
            if _phrase_in(f"{axis} {value}" if short else value, text):
                wanted[axis] = value
                break
    return wanted


class ProductSearch:
    """The catalog as a search index, rebuilt when products, variants or copy change."""

    def __init__(self, db: Database, embedder):
        self.db, self.embedder = db, embedder
        self._lock = threading.Lock()
        self._key, self._vectors_by_text = None, {}
        self.entries: list[Entry] = []

    def _index(self) -> tuple[list[Entry], np.ndarray, LexicalIndex]:
        entries = _entries(self.db)
        key = hashlib.sha256("\x00".join(e.text + repr(e.variants) for e in entries).encode()).hexdigest()
        with self._lock:
            if key != self._key:
                missing = [e.text for e in entries if e.text not in self._vectors_by_text]
                if missing:
                    self._vectors_by_text.update(zip(missing, self.embedder(missing)))
                dim = len(next(iter(self._vectors_by_text.values()))) if self._vectors_by_text else 1
                vectors = np.array([self._vectors_by_text[e.text] for e in entries]).reshape(len(entries), dim)
                lexical = LexicalIndex([e.product_id for e in entries], [e.text for e in entries],
                                       [{} for _ in entries])
                self._key, self._state = key, (entries, vectors, lexical)
            return self._state

    def entry(self, product_id: str) -> Entry | None:
        return next((e for e in self._index()[0] if e.product_id == product_id), None)

    def search(self, need: Need, limit: int = 3, exclude: set[str] = frozenset()) -> SearchResult:
        entries, vectors, lexical = self._index()
        if not entries:
            return SearchResult([])
        similarity = vectors @ np.asarray(self.embedder([need.query])[0])
        dense = [entries[i].product_id for i in np.argsort(-similarity)]
        lexical_hits = lexical.search(need.query, 20) + (lexical.search(need.text, 20) if need.language == "zh" else [])
        order = reciprocal_rank_fusion([dense, [pid for pid, _ in lexical_hits]])
        by_id = {e.product_id: (e, float(similarity[i])) for i, e in enumerate(entries)}
        result = SearchResult([])
        content = {tokenize(w)[0] for w in need.content if tokenize(w)}
        for product_id in [p for p in order if p not in exclude and p in self._answers(entries, similarity, content)]:
            entry, sim = by_id[product_id]
            found = self._fit(entry, sim, need, content)
            if found is None:
                cheapest = min((v["price"] for v in entry.variants if v["available"]), default=None)
                if cheapest is not None:
                    result.over_budget.append((entry.name, cheapest))
                continue
            result.found.append(found)
            if len(result.found) == limit:
                break
        if need.cheapest:
            result.found.sort(key=lambda f: f.card()["price_from"])
        return result

    def related(self, product_id: str, need: Need, limit: int = 3, exclude: set[str] = frozenset()) -> list[Found]:
        """The products nearest to one product (to go with it, or instead of it) that fit the need's price and
        options; those sharing its head noun are left out, as they are the product again."""
        entries, vectors, _ = self._index()
        index = next((i for i, e in enumerate(entries) if e.product_id == product_id), None)
        if index is None:
            return []
        head = (tokenize(entries[index].name) or [""])[-1]
        similarity = vectors @ vectors[index]
        found = []
        for i in np.argsort(-similarity):
            entry = entries[i]
            if (entry.product_id == product_id or entry.product_id in exclude or similarity[i] < MIN_SIMILARITY
                    or head in tokenize(entry.name)):
                continue
            if fit := self._fit(entry, float(similarity[i]), need, set()):
                found.append(fit)
            if len(found) == limit:
                break
        return found

    @staticmethod
    def _answers(entries: list[Entry], similarity: np.ndarray, content: set[str]) -> set[str]:
        """The products that answer the request: those it names outright ('standing desk' is never answered with
        a desk lamp), else those whose head noun it uses or whose vector is near enough."""
        names = [tokenize(e.name) for e in entries]
        named = {e.product_id for e, words in zip(entries, names) if words and set(words) <= content}
        if named:
            return named
        best = float(similarity.max())
        return {e.product_id for e, words, sim in zip(entries, names, similarity)
                if words and words[-1] in content
                or sim >= MIN_SIMILARITY and sim >= best - MAX_BEHIND_BEST}

    @staticmethod
    def _fit(entry: Entry, sim: float, need: Need, content: set[str]) -> Found | None:
        """The product's variants that fit the price, best first (in stock, most wanted options, cheapest);
        None when a price was asked for and no variant in stock meets it."""
        wanted = wanted_options(entry, need.query)
        fitting = [v for v in entry.variants if not need.has_price or v["available"] and need.fits(v["price"])]
        if not fitting:
            return None

        def rank(variant: dict) -> tuple:
            hits = sum(str(variant["options"].get(axis)) == value for axis, value in wanted.items())
            return (not variant["available"], -hits, variant["price"] if need.cheapest else 0)

        fitting.sort(key=rank)
        best = fitting[0]["options"]
        matched = {axis: value for axis, value in wanted.items() if str(best.get(axis)) == value}
        text_words = set(tokenize(entry.text)) - set(tokenize(entry.name)) - set(tokenize(" ".join(entry.axes)))
        stems = {w for w in content & text_words if not any(w in tokenize(v) for v in matched.values())}
        # The shopper's own words, not their stems: "insulated", not "insulat".
        words = list(dict.fromkeys(w.lower() for w in need.content if tokenize(w) and tokenize(w)[0] in stems))
        return Found(entry, sim, fitting, matched, words[:3])
