"""A learned reader of what the shopper asks to change: one logistic regression per kind over character n-grams, and
one over sentence embeddings.

Trained offline on the train splits (`kefu eval train-reader`, never on a test split) and committed as plain JSON
weights, so reading a message needs neither scikit-learn nor pickle at run time. Character n-grams read Chinese
without a word segmenter and survive typos. The embeddings (the knowledge base's packaged all-MiniLM-L6-v2) read
meaning, so "I want that order dropped" reads as a cancellation though no training request says "dropped"; they are
asked only when neither the keyword tables nor the n-grams read any change in the conversation, since meaning alone
also puts "change something on my order" near a cancellation. The reader only narrows which write tools the model
is offered; every rule is still enforced by the tools, and confirmation is never decided here.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache, lru_cache
from pathlib import Path

from assistant.dialogue.intents import ADDRESS, CANCEL, ITEMS, PAYMENT, RETURN

WEIGHTS = Path(__file__).with_name("request_reader.json")
KINDS = {"cancel": CANCEL, "return": RETURN, "items": ITEMS, "address": ADDRESS, "payment": PAYMENT}
_SPACES = re.compile(r"\s\s+")


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` analyzer: n-grams inside each space-padded word, lowercased."""
    grams = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams += [padded[i:i + n] for i in range(max(1, len(padded) - n + 1))]
            if len(padded) <= n:
                break
    return grams


class RequestReader:
    """Which kinds of change (cancel, return, items, address, payment) one message asks for."""

    def __init__(self, weights: dict, embed=None):
        self.low, self.high = weights["ngram_range"]
        self.vocabulary, self.idf = weights["vocabulary"], weights["idf"]
        self.kinds, self.coef, self.intercept = weights["kinds"], weights["coef"], weights["intercept"]
        self.threshold = weights.get("threshold", 0.5)
        # `embed` maps texts to unit vectors of the model the embedding head was trained on; without it, n-grams only.
        self.embedding = weights.get("embedding") if embed is not None else None
        self.embed = embed
        # The tool scope reads every message of the conversation at each model step: read each text once.
        self.kinds_in = lru_cache(maxsize=4096)(self._kinds_in)
        self.meaning_in = lru_cache(maxsize=4096)(self._meaning_in)

    def probabilities(self, text: str) -> dict[str, float]:
        counts: dict[int, int] = {}
        for gram in char_ngrams(text, self.low, self.high):
            if (index := self.vocabulary.get(gram)) is not None:
                counts[index] = counts.get(index, 0) + 1
        vector = {i: (1 + math.log(c)) * self.idf[i] for i, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        out = {}
        for kind, coef, intercept in zip(self.kinds, self.coef, self.intercept):
            out[kind] = _sigmoid(intercept + sum(coef[i] * v / norm for i, v in vector.items()))
        return out

    def embedding_probabilities(self, text: str) -> dict[str, float]:
        """Each kind's probability from the sentence embedding; empty without an embedding head."""
        if not self.embedding:
            return {}
        vector = [float(x) for x in self.embed([text])[0]]
        return {kind: _sigmoid(intercept + sum(w * x for w, x in zip(coef, vector)))
                for kind, coef, intercept in zip(self.kinds, self.embedding["coef"], self.embedding["intercept"])}

    def _kinds_in(self, text: str) -> frozenset[str]:
        return frozenset(kind for kind, p in self.probabilities(text).items() if p >= self.threshold)

    def _meaning_in(self, text: str) -> frozenset[str]:
        return frozenset(kind for kind, p in self.embedding_probabilities(text).items() if p >= self.threshold)

    def writes(self, texts: list[str]) -> set[str]:
        """The write tools the messages' n-grams ask for, one message at a time."""
        return {tool for text in texts for kind in self.kinds_in(text) for tool in KINDS[kind]}

    def meaning_writes(self, text: str) -> set[str]:
        """The write tools one message's sentence embedding asks for; empty without an embedding head."""
        return {tool for kind in self.meaning_in(text) for tool in KINDS[kind]}


def _sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-max(-60.0, min(60.0, z))))


@cache
def default_reader() -> RequestReader | None:
    """The committed reader, or None when no weights are committed; its embedding head loads the embedder it was
    trained with on its first message."""
    if not WEIGHTS.exists():
        return None
    weights = json.loads(WEIGHTS.read_text())
    embedding = weights.get("embedding")
    if not embedding:
        return RequestReader(weights)
    from knowledge.embedder import Embedder

    return RequestReader(weights, Embedder(embedding["model"]))
