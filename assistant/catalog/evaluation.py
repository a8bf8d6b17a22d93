"""`kefu catalog eval`: how well product search answers a labelled product-question set.

Each question lists the products that answer it, or none when the shop has nothing that fits (a product it does
not sell, a budget below every price). Recall@k counts answerable questions with a listed product in the top k;
a question with no good answer is right when nothing is offered.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from tqdm import tqdm

from assistant.catalog.needs import read_need
from assistant.catalog.search import ProductSearch
from assistant.errors import KefuError

PACKAGED = "product_questions.jsonl"


def load_product_questions(path: Path | None = None, split: str | None = None) -> list[dict]:
    """The packaged demo-shop set (or a JSONL file): question, products, language, kind, split."""
    text = (Path(path).read_text(encoding="utf-8") if path else
            files("assistant.shop").joinpath("eval", PACKAGED).read_text(encoding="utf-8"))
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise KefuError(f"{path or PACKAGED}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or "products" not in item:
            raise KefuError(f"{path or PACKAGED}:{number}: needs 'question' and 'products'")
        items.append(item)
    items = [i for i in items if split is None or i.get("split") == split]
    if not items:
        raise KefuError(f"no questions{f' in the {split} split' if split else ''}")
    return items


def _figures(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["expected"]]
    unanswerable = [r for r in rows if not r["expected"]]
    out = {"n": len(rows), "answerable": len(answerable)}
    for k in (1, 3):
        hits = sum(bool(set(r["names"][:k]) & set(r["expected"])) for r in answerable)
        out[f"recall@{k}"] = round(hits / len(answerable), 4) if answerable else None
    out["mrr@3"] = round(sum(1 / (r["names"][:3].index(next(n for n in r["names"][:3] if n in r["expected"])) + 1)
                             for r in answerable if set(r["names"][:3]) & set(r["expected"]))
                         / len(answerable), 4) if answerable else None
    out["no_answer_right"] = (round(sum(not r["names"] for r in unanswerable) / len(unanswerable), 4)
                              if unanswerable else None)
    out["offered_nothing_wrongly"] = sum(not r["names"] for r in answerable)
    return out


def evaluate_products(search: ProductSearch, items: list[dict], translate=None) -> dict:
    """Recall@1/3, MRR@3 and the no-answer rate, overall and per language, with every question's ranking.
    `translate`: the served model's Chinese → English, as the chat uses it (`read_need`)."""
    rows = []
    for item in tqdm(items, desc="product questions", unit="q", disable=None):
        names = [f.entry.name for f in search.search(read_need(item["question"], translate), limit=3).found]
        rows.append({"question": item["question"], "language": item.get("language", "en"), "expected": item["products"],
                     "names": names})
    report = {"all": _figures(rows)}
    for language in sorted({r["language"] for r in rows}):
        report[language] = _figures([r for r in rows if r["language"] == language])
    report["rows"] = rows
    return report
