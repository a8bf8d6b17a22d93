"""The share of sent replies naming a product whose every product, option, price and order fact is grounded
(docs/benchmarks.md): the grounding check, with the shop's catalog, replayed over saved `kefu eval run` transcripts.

Each reply is checked against the evidence the conversation had when it was sent: tool results and passages,
and the shopper's words.

    .venv/bin/python bench/product_grounding.py var/eval/RUN [var/eval/RUN ...] [--shop tau2|demo]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from assistant.db import Database
from assistant.dialogue.grounding import Evidence, product_facts, unverified
from assistant.dialogue.product_facts import catalog_of
from assistant.evaluation.shops import TAU2_DB, shop_template

SCENARIOS = Path(__file__).resolve().parents[1] / "assistant" / "shop" / "eval" / "scenarios" / "tasks.json"


def replayed(transcript: list[dict], catalog) -> tuple[int, int, list[str]]:
    """(replies naming a product, those fully grounded, the facts that were not)."""
    evidence, naming, grounded, missing = Evidence(catalog=catalog), 0, 0, []
    for message in transcript:
        text = message.get("content") or ""
        if message["role"] == "tool":
            evidence.add_data(text)
        elif message["role"] == "user":
            evidence.add_said(text)
        elif message["role"] == "assistant" and text and not message.get("tool_calls"):
            if product_facts(text, catalog):
                naming += 1
                facts = unverified(text, evidence)
                grounded += not facts
                missing += facts
    return naming, grounded, missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--shop", choices=("tau2", "demo"), default="tau2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tasks = TAU2_DB.parent / "tasks.json" if args.shop == "tau2" else SCENARIOS
        path = Path(scratch) / "shop.db"
        shutil.copy(shop_template(tasks, Path(scratch) / "cache", 7), path)
        db = Database(f"sqlite:///{path}")
        catalog = catalog_of(db)
        db.dispose()
    naming = grounded = 0
    missing: list[str] = []
    for run in args.runs:
        for line in (run / "transcripts.jsonl").read_text().splitlines():
            n, g, m = replayed(json.loads(line)["transcript"], catalog)
            naming, grounded, missing = naming + n, grounded + g, missing + m
    print(json.dumps({"runs": [str(r) for r in args.runs], "replies_naming_a_product": naming,
                      "fully_grounded": grounded, "share": round(grounded / naming, 3) if naming else None,
                      "ungrounded_facts": sorted(set(missing))}, indent=2))


if __name__ == "__main__":
    main()
