"""Replaying every τ²-bench retail task's gold actions reproduces the expected records, field by field."""

from __future__ import annotations

import json
import shutil
from functools import cache

import pytest

from assistant.db import Database
from assistant.shop.tau2 import export_tau2
from assistant.tools import ToolRunner
from assistant.tools.replay import replay
from tests.conftest import TAU2, json_lines, run_kefu

INDEX = {t["task_id"]: t for t in json.loads((TAU2 / "expected" / "INDEX.json").read_text())["tasks"]}
TASKS = {t["id"]: t for t in json.loads((TAU2 / "tasks.json").read_text())}
SPLITS = json.loads((TAU2 / "split_tasks.json").read_text())


@cache
def _initial() -> dict:
    return json.loads((TAU2 / "db.json").read_text())


def _without_nulls(record: dict) -> dict:
    return {k: v for k, v in record.items() if v is not None}


def _replay_task(task_id: str, db: Database) -> tuple[list, dict]:
    runner = ToolRunner(db, f"replay-{task_id}", actor="staff:conformance")
    if INDEX[task_id]["user_id"]:
        runner.act_as_customer(INDEX[task_id]["user_id"])
    results = list(replay(runner, TASKS[task_id]["evaluation_criteria"]["actions"], confirm=True))
    with db.session() as session:
        state = export_tau2(session)
    return results, state


def check_task(task_id: str, db: Database) -> None:
    """Replay the task's gold actions on `db` (a fresh τ² shop) and compare outputs and records with expected/."""
    expected = json.loads((TAU2 / "expected" / f"{task_id}.json").read_text())
    initial = _initial()
    results, state = _replay_task(task_id, db)
    assert len(results) == len(expected["outputs"])
    for result, gold in zip(results, expected["outputs"]):
        if gold.get("error"):
            assert result.error is not None and f"Error: {result.error}" == gold["output"], gold["action_id"]
        else:
            assert result.error is None, (gold["action_id"], result.error)
            assert result.output == gold["output"], gold["action_id"]
    for kind in ("users", "orders"):
        changed = {key for key, record in initial[kind].items() if state[kind][key] != record}
        assert changed == set(expected["changed"][kind]), kind
        for key, record in expected["changed"][kind].items():
            assert _without_nulls(state[kind][key]) == _without_nulls(record), key
    assert state["products"] == initial["products"]


def _check(task_id: str, tau2_template, tmp_path) -> None:
    path = tmp_path / "task.db"
    shutil.copy(tau2_template, path)
    db = Database(f"sqlite:///{path}")
    try:
        check_task(task_id, db)
    finally:
        db.dispose()


@pytest.mark.parametrize("task_id", SPLITS["train"])
def test_train_task_reproduces_expected_records(task_id, tau2_template, tmp_path):
    _check(task_id, tau2_template, tmp_path)


@pytest.mark.parametrize("task_id", SPLITS["test"])
def test_test_split_task_reproduces_expected_records(task_id, tau2_template, tmp_path):
    """The test split is only checked, never used to tune anything."""
    _check(task_id, tau2_template, tmp_path)


def test_splits_cover_every_task():
    assert len(SPLITS["train"]) == 74 and len(SPLITS["test"]) == 40
    assert set(SPLITS["train"]) | set(SPLITS["test"]) == set(TASKS) == set(INDEX)


def test_cli_replay_as_customer_matches_expected(tau2_template, tmp_path):
    """`kefu tool replay --confirm --as-customer` gives the expected changed order (train task 0)."""
    shutil.copy(tau2_template, tmp_path / "kefu.db")
    actions = tmp_path / "actions.json"
    actions.write_text(json.dumps(TASKS["0"]["evaluation_criteria"]["actions"]))
    env = {"KEFU_DATA_DIR": str(tmp_path)}
    proc = run_kefu("tool", "replay", str(actions), "--confirm", "--as-customer", INDEX["0"]["user_id"], env=env)
    lines = json_lines(proc.stdout)
    expected = json.loads((TAU2 / "expected" / "0.json").read_text())
    assert [line["name"] for line in lines] == [o["name"] for o in expected["outputs"]]
    assert [line.get("output") for line in lines] == [o["output"] for o in expected["outputs"]]
    export = tmp_path / "after.json"
    run_kefu("shop", "export", "--format", "tau2", str(export), env=env)
    order_id, record = next(iter(expected["changed"]["orders"].items()))
    assert _without_nulls(json.loads(export.read_text())["orders"][order_id]) == _without_nulls(record)
