"""Hybrid search: dense vectors and BM25, fused by reciprocal rank; curated answers first."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial

from knowledge.errors import KnowledgeError
from knowledge.chunking import language_of
from knowledge.lexical import english_terms, reciprocal_rank_fusion
from knowledge.store import KnowledgeBase

MAX_QUERY_CHARS = 1000
MODES = ("hybrid", "dense", "bm25")
Translate = Callable[[str], "str | None"]
log = logging.getLogger(__name__)


@dataclass
class Passage:
    """A retrieved passage and where it comes from; `citation` is stable across syncs of unchanged files."""

    citation: str
    text: str
    source: str
    section: str
    source_type: str
    language: str
    score: float
    curated: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _where(source_types: list[str] | None, language: str | None) -> dict | None:
    clauses = []
    if source_types:
        clauses.append({"source_type": {"$in": list(source_types)}})
    if language:
        clauses.append({"language": language})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _allowed(meta: dict, source_types: list[str] | None, language: str | None) -> bool:
    """The BM25 side of the same filters the dense side passes to Chroma as `where`."""
    return (not source_types or meta["source_type"] in source_types) and (not language or meta["language"] == language)


def validate_query(query: str) -> str:
    """The stripped query; empty or oversized queries are refused with a clear message."""
    if not isinstance(query, str) or not query.strip():
        raise KnowledgeError("the query is empty; ask a question")
    if len(query) > MAX_QUERY_CHARS:
        raise KnowledgeError(f"the query is {len(query)} characters long; at most {MAX_QUERY_CHARS} are allowed")
    return query.strip()


def _curated(kb: KnowledgeBase, vector, counts: dict[str, int]) -> Passage | None:
    if counts["curated"] == 0:
        return None
    hit = kb.curated.query(query_embeddings=[vector], n_results=1, include=["documents", "metadatas", "distances"])
    similarity = 1.0 - hit["distances"][0][0]
    if similarity < kb.curated_threshold:
        return None
    meta = hit["metadatas"][0][0]
    return Passage(citation=hit["ids"][0][0], text=f"Q: {hit['documents'][0][0]}\nA: {meta['answer']}",
                   source="curated", section=hit["documents"][0][0], source_type="curated",
                   language=meta.get("language", "en"), score=round(similarity, 4), curated=True)


def english_translation(translate: Translate, query: str) -> str | None:
    """The translation when it is English words; a failed or empty one leaves the question to the other lanes."""
    try:
        english = translate(query)
    except Exception as exc:  # noqa: BLE001 (a translator is a remote model: any failure falls back, logged)
        log.warning("query translation failed: %s", type(exc).__name__)
        return None
    return english if english and re.search(r"[A-Za-z]{3}", english) and language_of(english) == "en" else None


def search(kb: KnowledgeBase, query: str, k: int = 5, *, source_types: list[str] | None = None,
           language: str | None = None, mode: str = "hybrid", translate: Translate | None = None) -> list[Passage]:
    """The k best passages for the query, each with its citation id. `translate` (Chinese → English, or None)
    adds a dense lane over a Chinese question's English, beside the glossary's English BM25 lane."""
    query = validate_query(query)
    if not 1 <= k <= 50:
        raise KnowledgeError("k must be between 1 and 50")
    if mode not in MODES:
        raise KnowledgeError(f"mode must be one of {', '.join(MODES)}")
    depth = max(20, 4 * k)
    where = _where(source_types, language)
    rankings, cross = [], []
    chinese = language_of(query) == "zh"
    counts = kb.counts()
    vector = kb.embedder([query])[0] if mode != "bm25" or counts["curated"] else None
    # The embedder (MiniLM) reads English only: in hybrid mode a Chinese question is ranked by the lexical lanes.
    if (mode == "dense" or mode == "hybrid" and not chinese) and counts["chunks"]:
        # Only ids come back from the vector index; the texts of the final top k are fetched once below.
        dense = kb.collection.query(query_embeddings=[vector], n_results=min(depth, counts["chunks"]),
                                    where=where, include=["distances"])
        rankings.append(dense["ids"][0])
    if mode in ("hybrid", "bm25"):
        index = kb.lexical()
        allowed = partial(_allowed, source_types=source_types, language=language) if source_types or language else None
        rankings.append([i for i, _ in index.search(query, depth, allowed)])
        english_only = partial(_allowed, source_types=source_types, language="en")
        if language is None and chinese and (english := english_terms(query)):
            # A Chinese question also gets the best English passages, through the glossary's translations.
            cross = [i for i, _ in index.search(english, depth, english_only)]
            rankings.append(cross)
        translated = english_translation(translate, query) if language is None and chinese and translate else None
        if translated and counts["chunks"]:
            # The served model's English for a Chinese question reaches the lanes that read English.
            dense_en = kb.collection.query(query_embeddings=kb.embedder([translated]),
                                           n_results=min(depth, counts["chunks"]), include=["distances"],
                                           where=_where(source_types, "en"))["ids"][0]
            rankings.append(dense_en)
            cross = cross or dense_en
    fused = reciprocal_rank_fusion(rankings)
    if cross and cross[0] not in fused[:k] and k >= 3:
        # The English policy is the authoritative text: a Chinese question always sees its best English passage.
        fused.remove(cross[0])
        fused.insert(2, cross[0])
    top = fused[:k]
    got = kb.collection.get(ids=top, include=["documents", "metadatas"]) if top else {"ids": []}
    found = {i: (d, m) for i, d, m in zip(got["ids"], got.get("documents", []), got.get("metadatas", []))}
    passages = []
    for rank, citation in enumerate(c for c in top if c in found):
        text, meta = found[citation]
        passages.append(Passage(citation=citation, text=text, source=meta["source"], section=meta["section"],
                                source_type=meta["source_type"], language=meta["language"],
                                score=round(1.0 / (rank + 1), 4)))
    curated = _curated(kb, vector, counts) if vector is not None else None
    return ([curated] + passages[: k - 1]) if curated else passages
