"""A shopper's reply to "shall I go ahead?": only a plain, unconditional yes runs a change.

`tests/data/confirmation_replies.tsv` labels each reply run, withdraw or keep (pending), and says where it came
from; half are English, half Chinese.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.dialogue.confirmation import KEEP, RUN, WITHDRAW, read_reply
from assistant.evaluation.scoring import plain_yes

TABLE = Path(__file__).parent / "data" / "confirmation_replies.tsv"
ROWS = list(csv.DictReader(TABLE.open(encoding="utf-8"), delimiter="\t"))
PROPOSED = {"#W4367726"}


def _is_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def test_the_table_is_large_and_bilingual():
    chinese = sum(_is_chinese(r["reply"]) for r in ROWS)
    assert len(ROWS) >= 80 and chinese >= 40 and len(ROWS) - chinese >= 40
    assert {r["outcome"] for r in ROWS} == {RUN, WITHDRAW, KEEP} and all(r["source"] for r in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r["reply"][:30] for r in ROWS])
def test_reply_outcome(row):
    assert read_reply(row["reply"], PROPOSED).outcome == row["outcome"]


def test_every_issue_phrase_is_not_a_yes():
    from_issue = [r for r in ROWS if r["source"].startswith("issue 14")]
    assert len(from_issue) == 9 and all(read_reply(r["reply"]).outcome != RUN for r in from_issue)


def test_long_or_empty_replies_never_run():
    assert read_reply("").outcome == KEEP and read_reply("yes " + "please " * 20).outcome == KEEP


def test_bare_answers_are_told_apart_from_answers_with_more_to_say():
    assert read_reply("no").bare and read_reply("不用了").bare
    assert not read_reply("no, I want to return it instead").bare


def test_the_evaluations_strict_yes_never_accepts_what_the_gate_keeps():
    """The two readers are independent; a reply the gate would not run must never pass the evaluation's check."""
    for row in ROWS:
        if row["outcome"] != RUN:
            assert not plain_yes(row["reply"]), row["reply"]
    assert plain_yes("Yes, please go ahead.") and plain_yes("是的，确认。") and not plain_yes("ok, how long?")
