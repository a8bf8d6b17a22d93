"""How often `find_item_variants` puts the variant a τ² task's gold action picks first (docs/benchmarks.md).

For every item swap among a split's gold actions (exchange or item change), the tool runs on the task's order with
the shopper's reason for writing as the words, and the first candidate listed for the swapped item is compared with
the gold new item. No model is involved: this measures the code that picks variants for the model.

    .venv/bin/python bench/variant_choice.py --split train|test [--show]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import uuid
from pathlib import Path

from assistant.db import Database, Order
from assistant.evaluation.shops import TAU2_DB, shop_template
from assistant.tools import ToolRunner
from assistant.tools.variant_match import offers_in

SWAPS = ("exchange_delivered_order_items", "modify_pending_order_items")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="train")
    parser.add_argument("--show", action="store_true", help="print each miss")
    args = parser.parse_args()
    tasks = {t["id"]: t for t in json.loads((TAU2_DB.parent / "tasks.json").read_text())}
    ids = json.loads((TAU2_DB.parent / "split_tasks.json").read_text())[args.split]
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "shop.db"
        shutil.copy(shop_template(TAU2_DB.parent / "tasks.json", Path(scratch) / "cache", 7), path)
        db = Database(f"sqlite:///{path}")
        hits = total = 0
        for task_id in ids:
            wanted = tasks[task_id]["user_scenario"]["instructions"]["reason_for_call"]
            for action in tasks[task_id]["evaluation_criteria"]["actions"]:
                if action["name"] not in SWAPS:
                    continue
                gold = action["arguments"]
                with db.session() as session:
                    customer_id = session.get(Order, gold["order_id"]).customer_id
                runner = ToolRunner(db, f"bench-{uuid.uuid4().hex[:8]}", actor="staff:bench")
                runner.act_as_customer(customer_id)
                lines = runner.call("find_item_variants", {"order_id": gold["order_id"], "wanted": wanted}).output
                firsts = {old: news[0] for old, news in offers_in(json.dumps(lines)).items()}
                for old, new in zip(gold["item_ids"], gold["new_item_ids"]):
                    total, hits = total + 1, hits + (firsts.get(old) == new)
                    if args.show and firsts.get(old) != new:
                        print(f"task {task_id}: {old} gold {new}, first offered {firsts.get(old)}")
        db.dispose()
    print(json.dumps({"split": args.split, "swaps": total, "first_offer_is_gold": hits,
                      "share": round(hits / total, 3) if total else None}))


if __name__ == "__main__":
    main()
