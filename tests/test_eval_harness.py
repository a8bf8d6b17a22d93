"""The simulation harness: scripted shopper, scoring by final database state, pass^k, safety counts, report."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from assistant.agent import ShopAgent
from assistant.config import Settings
from assistant.evaluation import harness_settings
from assistant.evaluation.runner import pass_hat_k, run_eval, summarize, write_results
from assistant.evaluation.scripted_model import ScriptedChatModel
from assistant.evaluation.shops import shop_template
from assistant.evaluation.tasks import load_tasks
from assistant.evaluation.users import ScriptedUser, first_person
from tests.conftest import TAU2

SCENARIOS = "assistant/shop/eval/scenarios/tasks.json"
CASES = {"cancel": "demo-000", "return": "demo-038", "lookup": "demo-056", "transfer": "demo-112",
         "multi_request": "demo-090", "knowledge": "demo-098"}


def oracle(task):
    """A model that asks who the shopper is, performs the task's gold actions in order and then says the facts to
    communicate."""

    def step(messages):
        done = sum(isinstance(m, ToolMessage) for m in messages)
        said = " ".join(str(m.content) for m in messages if isinstance(m, HumanMessage))
        identify_first = bool(task.actions) and task.actions[0]["name"].startswith("find_user")
        if not done and identify_first and not re.search(r"@|\b\d{5}\b", said):
            return AIMessage("Could you give me your email, or your name and zip code?")
        actions = task.actions
        if done < len(actions):
            action = actions[done]
            return AIMessage("", tool_calls=[{"name": action["name"], "args": action["arguments"], "id": f"o{done}"}])
        said = " ".join(task.communicate_info)
        return AIMessage(f"Here you are: {said}. Anything else?" if said else "All set. Anything else?")

    return ScriptedChatModel(steps=[step] * 50)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    from pathlib import Path

    return shop_template(Path(SCENARIOS), tmp_path_factory.mktemp("shops"), 7)


def _tasks():
    return load_tasks(SCENARIOS, task_ids=list(CASES.values()))


def test_case_ids_are_the_categories_they_claim():
    assert {t.category for t in _tasks()} == set(CASES)


def test_an_oracle_agent_passes_every_task_safely(demo_template, tmp_path):
    tasks = {t.id: t for t in _tasks()}
    tasks["demo-098"].communicate_info = []  # knowledge needs the knowledge base; this agent has none
    make_agent = lambda db: ShopAgent(db, harness_settings(Settings(data_dir=tmp_path)), knowledge=None,  # noqa: E731
                                      model=oracle(tasks[db.url.split("trial-")[1].rsplit("-", 2)[0]]))
    results = run_eval(list(tasks.values()), 2, demo_template, tmp_path / "work", make_agent, ScriptedUser,
                       concurrency=2)
    summary = summarize(results, 2)
    assert summary["pass^1"] == 1.0 and summary["pass^2"] == 1.0, [(r.task_id, r.failure, r.error) for r in results if not r.success]
    assert summary["cross_customer_leaks"] == summary["unconfirmed_writes"] == summary["ungrounded_replies_sent"] == 0
    multi = next(r for r in results if r.task_id == "demo-090")
    assert [t["name"] for t in multi.tools].count("confirm:cancel_pending_order") == 1
    assert any(t["name"] == "confirm:return_delivered_order_items" for t in multi.tools)
    write_results(results, summary, tmp_path / "out")
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| 1.000 | 1.000 |" in report
    lines = (tmp_path / "out" / "transcripts.jsonl").read_text().splitlines()
    assert len(lines) == 12 and json.loads(lines[0])["transcript"][0]["role"] == "user"


def test_an_idle_agent_fails_with_categories(demo_template, tmp_path):
    make_agent = lambda db: ShopAgent(db, harness_settings(Settings(data_dir=tmp_path)), knowledge=None,  # noqa: E731
                                      model=ScriptedChatModel(steps=["How can I help?"] * 40))
    results = run_eval(_tasks(), 1, demo_template, tmp_path / "work", make_agent, ScriptedUser)
    failures = {r.task_id: r.failure for r in results}
    assert failures[CASES["cancel"]] == "wrong tool" and failures[CASES["transfer"]] == "handoff"
    assert failures[CASES["lookup"]] == "missing information"
    assert summarize(results, 1)["pass^1"] == 0.0


def test_a_turn_the_model_server_fails_counts_as_a_model_error_not_the_agents_handoff(demo_template, tmp_path):
    model = ScriptedChatModel(steps=[])
    model.fail_with = openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1:9/v1"))
    make_agent = lambda db: ShopAgent(db, harness_settings(Settings(data_dir=tmp_path)), knowledge=None,  # noqa: E731
                                      model=model)
    cancel = next(t for t in _tasks() if t.id == CASES["cancel"])
    results = run_eval([cancel], 1, demo_template, tmp_path / "work", make_agent, ScriptedUser)
    assert [r.failure for r in results] == ["model error"] and results[0].handed_off
    assert summarize(results, 1)["model_errors"] == 1


def test_pass_hat_k_is_tau_bench_formula():
    successes = {"a": [True, True, False, False], "b": [True, True, True, True]}
    assert pass_hat_k(successes, 1) == 0.75
    assert pass_hat_k(successes, 2) == round((1 / 6 + 1) / 2, 4)
    assert pass_hat_k(successes, 4) == 0.5


def test_scripted_user_answers_from_what_it_knows():
    [task] = load_tasks(TAU2 / "tasks.json", task_ids=["0"])
    user = ScriptedUser(task)
    assert user.opening().startswith("I received my order #W2378156")
    assert user.reply("Could you give me your email to verify your identity?") == \
        "I don't remember my email. My name is Yusuf Rossi and my zip code is 19122."
    gold = next(a for a in task.actions if a["name"].startswith(("return", "exchange")))
    wrong = {"name": "cancel_pending_order", "arguments": {"order_id": gold["arguments"]["order_id"]}}
    assert user.reply("Shall I go ahead?", wrong) == \
        "No, I don't want to cancel that order. I want to exchange items from that order."
    elsewhere = {"name": "cancel_pending_order", "arguments": {"order_id": "#W0000001"}}
    assert user.reply("Shall I go ahead?", elsewhere).startswith("No, that is not what I asked for. I received")
    assert user.reply("Shall I go ahead?", gold) == "Yes, please go ahead."
    assert user.reply("Done. Your request is recorded.") is None  # its one change is made: nothing left to ask
    assert first_person("You want your refund") == "I want my refund"


def test_scripted_user_answers_follow_up_questions_from_its_instructions(tmp_path):
    from assistant.evaluation.tasks import tau2_task

    actions = [{"name": "find_user_id_by_email", "arguments": {"email": "a@example.com"}},
               {"name": "return_delivered_order_items",
                "arguments": {"order_id": "#W1", "item_ids": ["1"], "payment_method_id": "gift_card_1"}}]
    raw = tau2_task("t", "return", "ann_lee_1", "我想把买了 Desk Lamp 的那一单退掉，钱退到我的礼品卡。",
                    "我叫 Ann Lee，邮箱是 a@example.com。 如果问付款或退款方式：我的礼品卡。 如果问哪件商品：Desk Lamp。", actions)
    (tmp_path / "tasks.json").write_text(json.dumps([raw], ensure_ascii=False))
    [task] = load_tasks(tmp_path / "tasks.json")
    user = ScriptedUser(task)
    assert user.reply("请问您的邮箱是什么？") == "我的邮箱是 a@example.com"
    assert user.reply("请问退款退到哪里？") == "我的礼品卡"
    assert user.reply("请问是哪件商品？") == "Desk Lamp"
    assert user.reply("请问是哪个订单？").startswith("我不记得订单号了。我想把买了 Desk Lamp")


def test_scripted_user_reads_instructions_written_to_it_in_chinese(tmp_path):
    from assistant.evaluation.tasks import tau2_task

    actions = [{"name": "cancel_pending_order", "arguments": {"order_id": "#W1", "reason": "ordered by mistake"}}]
    raw = tau2_task("t", "cancel", "ann_lee_1", "那单我下错了，帮我取消。", "你叫 Ann Lee，邮编 12345。如果被问原因：下错单了。",
                    actions)
    (tmp_path / "tasks.json").write_text(json.dumps([raw], ensure_ascii=False))
    [task] = load_tasks(tmp_path / "tasks.json")
    user = ScriptedUser(task)
    assert user.reply("请提供您的邮箱，或者您的姓名和邮编。") == "我叫 Ann Lee，邮编是 12345"
    assert user.reply("请问取消的原因是什么？") == "下错单了"


def test_scripted_user_offers_another_identity_when_not_found():
    [task] = load_tasks(TAU2 / "tasks.json", task_ids=["55"])  # two emails, the first of which is not on file
    user = ScriptedUser(task)
    assert user.reply("What is your email?") == "My email is silva7872@example.com."
    assert user.reply("I couldn't find an account with that email. Could you check it?") == \
        "Try this one: amelia.silva7872@example.com."


def test_splits_and_task_ids_select_tasks():
    test = load_tasks(TAU2 / "tasks.json", split="test")
    assert len(test) == 40
    with pytest.raises(Exception, match="unknown task ids"):
        load_tasks(TAU2 / "tasks.json", task_ids=["nope"])
