"""`kefu kb eval`: recall@1/5/10 and MRR@10 of a labelled question set."""

from __future__ import annotations

import json
import re
from pathlib import Path

from knowledge.errors import KnowledgeError
from knowledge.search import Passage, search
from knowledge.store import KnowledgeBase


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def load_questions(path: Path) -> list[dict]:
    """JSONL items with a question and either `relevant` ids or `answer_contains` text."""
    items = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KnowledgeError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or "question" not in item or not ({"relevant", "answer_contains"} & set(item)):
            raise KnowledgeError(f"{path}:{number}: needs 'question' and 'relevant' or 'answer_contains'")
        items.append(item)
    if not items:
        raise KnowledgeError(f"{path} holds no questions")
    return items


def is_relevant(item: dict, passage: Passage) -> bool:
    """A passage is relevant when it is a listed source, section or citation, or contains the answer text."""
    if "answer_contains" in item:
        return _normalise(item["answer_contains"]) in _normalise(passage.text)
    return any(passage.citation == ref or passage.source == ref or passage.citation.startswith(ref + ":")
               for ref in item["relevant"])


def evaluate(kb: KnowledgeBase, items: list[dict], mode: str = "hybrid", translate=None) -> dict:
    """Recall@1/5/10 (a relevant passage in the top k) and MRR@10 over the questions (`translate`: see `search`)."""
    hits = {1: 0, 5: 0, 10: 0}
    reciprocal = 0.0
    for item in items:
        passages = search(kb, item["question"], k=10, mode=mode, translate=translate)
        ranks = [rank for rank, p in enumerate(passages, start=1) if is_relevant(item, p)]
        first = ranks[0] if ranks else None
        for k in hits:
            hits[k] += bool(first and first <= k)
        reciprocal += 1.0 / first if first else 0.0
    n = len(items)
    return {"recall@1": round(hits[1] / n, 4), "recall@5": round(hits[5] / n, 4), "recall@10": round(hits[10] / n, 4),
            "mrr@10": round(reciprocal / n, 4), "n": n}
