"""How well kefu reads what a shopper asks to change, from each task's opening words alone (docs/benchmarks.md).

For every task of a split, the kinds of change its gold actions make (cancel, return, item swap, address, payment)
are compared with the kinds `requested_writes` reads from the shopper's reason for writing: the keyword tables, the
learned reader and, where both read nothing, its meaning head. No model is involved. Recall matters most (a kind not
read is a tool not offered); precision says how much wider than needed the offered tools are.

    .venv/bin/python bench/request_reading.py [--tasks demo|tau2|gen-tau2|everyday ...] [--split train]
"""

from __future__ import annotations

import argparse
import json

from assistant.cli.evaluate import NAMED
from assistant.dialogue.intents import requested_writes
from assistant.dialogue.request_reader import KINDS
from assistant.evaluation.reader_training import examples, score
from assistant.evaluation.tasks import load_tasks


def kinds_read(text: str) -> set[str]:
    tools = requested_writes([text])
    return {kind for kind, kind_tools in KINDS.items() if tools & kind_tools}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["tau2", "gen-tau2", "demo"])
    parser.add_argument("--split", default="train")
    args = parser.parse_args()
    for name in args.tasks:
        figures = score(kinds_read, examples(load_tasks(NAMED[name], split=args.split)))
        print(json.dumps({"tasks": name, "split": args.split, **figures}))


if __name__ == "__main__":
    main()
