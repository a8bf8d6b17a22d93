"""The drafting adapter's data and evaluation: the shop's approved product copy teaches its house style.

Each saved description (`product_copy`: seeded as the demo's house style, or saved by staff from the Catalog copy
tab) becomes one conversation: the drafting prompt `assistant.catalog.drafting` serves, without style examples
(the adapter carries the style), and the approved text as the answer. Products are split, not descriptions, so
no dev product is trained on; the evaluation drafts for products that have no approved copy at all.

    kefu finetune build-drafting                  # var/finetune/drafting/{train,dev}.jsonl
    kefu finetune train-drafting --name kefu-draft
    kefu finetune eval-drafting --model kefu-default --model kefu-draft
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from sqlalchemy import select

from assistant.catalog.drafting import draft_messages, load_record
from assistant.db import Database, Product, ProductCopy
from assistant.errors import KefuError
from finetune.dataset import write_jsonl


def drafting_records(db: Database) -> list[dict]:
    """One training conversation per approved description."""
    with db.session() as session:
        saved = session.execute(select(ProductCopy.product_id, ProductCopy.language, ProductCopy.text)
                                .order_by(ProductCopy.product_id, ProductCopy.language)).all()
    records = []
    for product_id, language, text in saved:
        messages = draft_messages(load_record(db, product_id), language, [])
        records.append({"id": f"copy-{product_id}-{language}", "task": "drafting", "product_id": product_id,
                        "language": language, "messages": [*messages, {"role": "assistant", "content": text}]})
    return records


def build_drafting_dataset(db: Database, out: Path, dev_share: float = 0.25, seed: int = 0) -> dict:
    """train.jsonl and dev.jsonl of the approved copy, split by product; the card says what went where."""
    records = drafting_records(db)
    if not records:
        raise KefuError("no approved product copy: save descriptions in the staff console's Catalog copy tab "
                         "(or seed the demo shop) first")
    products = sorted({r["product_id"] for r in records})
    random.Random(seed).shuffle(products)
    dev = set(products[:max(1, round(len(products) * dev_share))]) if len(products) > 1 else set()
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl([r for r in records if r["product_id"] not in dev], out / "train.jsonl")
    write_jsonl([r for r in records if r["product_id"] in dev], out / "dev.jsonl")
    card = {"task": "drafting", "train": sum(r["product_id"] not in dev for r in records),
            "dev": sum(r["product_id"] in dev for r in records), "dev_products": sorted(dev),
            "trained_products": sorted(set(products) - dev)}
    (out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    return card


def unseen_products(db: Database, dataset: Path | None = None) -> list[str]:
    """Products with no approved copy in the database, nor in the dataset's train split: what a drafting
    adapter has never seen."""
    trained = set(json.loads((dataset / "card.json").read_text())["trained_products"]) if dataset else set()
    with db.session() as session:
        with_copy = set(session.scalars(select(ProductCopy.product_id)))
        return [p for p in session.scalars(select(Product.id).order_by(Product.position))
                if p not in with_copy | trained]


def evaluate_drafting(db: Database, products: list[str], models: list[str], settings, languages=("en", "zh"),
                      progress=None) -> dict:
    """For each served model: the share of drafts with a claim the record does not hold, by language. A
    drafting adapter is asked without style examples, as served; any other model with the shop's two."""
    from assistant.catalog.drafting import draft

    report = {}
    for name in models:
        use = settings.model_copy(update={"drafting_model": name})
        flagged = {language: 0 for language in languages}
        for product_id in products:
            for language in languages:
                result = draft(db, product_id, language, settings=use)
                flagged[language] += bool(result.claims)
                if progress:
                    progress()
        report[name] = {language: round(flagged[language] / max(len(products), 1), 3) for language in languages}
        report[name]["drafts"] = len(products) * len(languages)
    return report
