"""BM25 over the knowledge base, with Chinese word segmentation and a small zh→en shop glossary."""

from __future__ import annotations

import logging
import re


WORD = re.compile(r"[a-z0-9]+|[\u3400-\u9fff]+")
STOPWORDS = set("a an the and or of to in on for is are was be i my me you your it do does can how what when "
                "where which who why with at by from this that there have has will would could should if not no "
                "please want".split())
# Chinese shop terms mapped to the English words of the policy, so a Chinese question also finds English text.
GLOSSARY = {
    "退货": "return", "退款": "refund", "取消": "cancel", "换货": "exchange", "运费": "shipping cost",
    "配送": "shipping delivery", "物流": "tracking shipment", "快递": "shipping carrier", "发货": "ship processed",
    "保修": "warranty", "质保": "warranty", "隐私": "privacy data", "礼品卡": "gift card", "信用卡": "credit card",
    "支付": "payment pay", "付款": "payment pay", "地址": "address", "订单": "order", "尺码": "size",
    "颜色": "color", "价格": "price", "人工": "human agent", "客服": "human agent", "损坏": "damaged",
    "丢失": "lost", "密码": "password", "账户": "account", "优惠券": "coupon", "过期": "expire",
}
log = logging.getLogger(__name__)


def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)  # jieba sets its own logger to DEBUG on import
    return jieba


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased English stems and jieba-segmented Chinese words."""
    jieba = _jieba()
    tokens = []
    for piece in WORD.findall(text.lower()):
        if piece[0] >= "\u3400":
            tokens += jieba.lcut_for_search(piece)
        elif piece not in STOPWORDS:
            tokens.append(_stem(piece))
    return tokens


def english_terms(text: str) -> str:
    """The glossary's English words for the Chinese words of `text` (a cross-lingual BM25 query)."""
    jieba = _jieba()
    words = [w for piece in WORD.findall(text) if piece[0] >= "\u3400" for w in jieba.lcut_for_search(piece)]
    return " ".join(GLOSSARY[w] for w in words if w in GLOSSARY)


class LexicalIndex:
    """A bm25s index over chunk texts, with their ids and metadata for filtering."""

    def __init__(self, ids: list[str], texts: list[str], metadatas: list[dict]):
        import bm25s

        self.ids, self.metadatas = ids, metadatas
        corpus = [tokenize(t) or ["∅"] for t in texts]
        self.vocab = {token for doc in corpus for token in doc}
        self.bm25 = bm25s.BM25()
        if ids:
            self.bm25.index(corpus, show_progress=False)

    def search(self, query: str, k: int, allowed=None) -> list[tuple[str, float]]:
        """Best (id, score) pairs for the query, keeping only chunks whose metadata passes `allowed`."""
        tokens = [t for t in tokenize(query) if t in self.vocab]
        if not tokens or not self.ids:
            return []
        depth = min(len(self.ids), k * 10 if allowed else k)
        docs, scores = self.bm25.retrieve([tokens], k=depth, show_progress=False)
        hits = []
        for index, score in zip(docs[0], scores[0]):
            if score <= 0 or (allowed and not allowed(self.metadatas[int(index)])):
                continue
            hits.append((self.ids[int(index)], float(score)))
            if len(hits) == k:
                break
        return hits


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = 60) -> list[str]:
    """Ids ordered by the sum of 1/(k + rank) over every ranking."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return [item for item, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]
