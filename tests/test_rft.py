"""Rejection fine-tuning data: only passing, safe conversations of a train split become training records."""

from __future__ import annotations

import random

import pytest

from assistant.agent import ShopAgent
from assistant.cli.evaluate import SCENARIOS
from assistant.config import Settings
from assistant.db import Database
from assistant.errors import KefuError
from assistant.evaluation import harness_settings
from assistant.evaluation.runner import run_eval
from assistant.evaluation.scripted_model import ScriptedChatModel
from assistant.evaluation.shops import shop_template
from assistant.evaluation.tasks import load_tasks
from assistant.evaluation.users import ScriptedUser
from finetune.dataset import build_dataset, write_jsonl
from finetune.expert import Expert
from finetune.rft import Keeper, check_split


def test_only_a_train_split_may_feed_rejection_fine_tuning():
    for split in ("test", "dev", None):
        with pytest.raises(KefuError, match="train split"):
            check_split(split)
    check_split("train")


def test_passing_conversations_are_kept_and_failing_ones_are_not(tmp_path):
    template = shop_template(SCENARIOS, tmp_path / "shops", 7)
    task = next(t for t in load_tasks(SCENARIOS, split="train") if t.category == "cancel" and "@" in t.known)
    settings = harness_settings(Settings(_env_file=None, data_dir=tmp_path))
    keeper = Keeper("round1")

    def expert_agent(db: Database) -> ShopAgent:
        model = ScriptedChatModel(steps=[Expert(task, "en", random.Random(0))] * 30)
        return ShopAgent(db, settings, model=model, knowledge=False)

    def lazy_agent(db: Database) -> ShopAgent:
        return ShopAgent(db, settings, model=ScriptedChatModel(steps=["Sorry, I can't help."] * 30), knowledge=False)

    [passed] = run_eval([task], 1, template, tmp_path / "work", expert_agent, ScriptedUser, keep=keeper)
    [failed] = run_eval([task], 1, template, tmp_path / "work", lazy_agent, ScriptedUser, keep=keeper)
    assert passed.success and not failed.success
    [record] = keeper.records
    assert record["source"] == "rft" and record["id"] == f"round1-{task.id}-0" and record["resolved"]
    calls = [c["function"]["name"] for m in record["messages"] for c in m.get("tool_calls", [])]
    assert "cancel_pending_order" in calls
    write_jsonl(keeper.records, tmp_path / "rft.jsonl")
    card = build_dataset([tmp_path / "rft.jsonl"], tmp_path / "dataset")
    assert sum(card["splits"].values()) == 1 and card["pii_replaced"]["EMAIL"] >= 1
