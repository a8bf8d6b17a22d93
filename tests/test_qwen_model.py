"""The second base model end to end: Qwen2.5-Coder-0.5B-Instruct, fetched and checked by `make test`, served by
the real vLLM CPU server with its committed adapter, rendering exactly what kefu's template renders, and the
adapter doing what it was trained to do.

Marked `vllm`: `make test` runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from assistant.config import Settings
from assistant.serving.base_models import BASE_MODELS
from assistant.serving.fetch import fetch_model
from assistant.serving.server import VllmServer
from assistant.serving.template import render_ids
from assistant.tools import ALL_TOOLS
from tests.conftest import free_port

pytestmark = pytest.mark.vllm
QWEN = "qwen2.5-coder-0.5b-instruct"
ADAPTER = "kefu-qwen"
TOOLS = [ALL_TOOLS[name].openai_schema for name in ("find_user_id_by_email", "cancel_pending_order")]
CONVERSATION = [
    {"role": "system", "content": "You are a shop assistant."},
    {"role": "user", "content": "我想取消订单 #W4817420，不需要了。我的邮箱是 mei.chen4821@example.com"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {
        "name": "find_user_id_by_email", "arguments": json.dumps({"email": "mei.chen4821@example.com"})}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "mei_chen_4821"},
]


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings(_env_file=None, model_name=QWEN)


@pytest.fixture(scope="module")
def server(settings, tmp_path_factory):
    fetch_model(settings, QWEN)
    running = VllmServer(settings, port=free_port(), lora={ADAPTER: Path(BASE_MODELS[QWEN].adapter).resolve()})
    running.log_path = tmp_path_factory.mktemp("logs") / "vllm-qwen.log"
    with running:
        yield running


def test_qwen_is_served_with_its_own_adapter_template_and_parser(server):
    command = server.command()
    assert command[command.index("--served-model-name") + 1] == QWEN
    assert command[command.index("--tool-call-parser") + 1] == "hermes" and "--chat-template" in command
    models = httpx.get(server.base_url + "/models", timeout=30).json()["data"]
    assert {m["id"] for m in models} == {QWEN, ADAPTER}


def test_kefus_template_renders_the_same_qwen_tokens_as_vllm(server):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(server.command()[server.command().index("--model") + 1])
    for messages in (CONVERSATION, CONVERSATION[:2], CONVERSATION + [{"role": "assistant", "content": "好的。"}]):
        for add_prompt in (True, False):
            served = httpx.post(server.base_url.removesuffix("/v1") + "/tokenize", timeout=30, json={
                "model": server.name, "messages": messages, "tools": TOOLS, "add_generation_prompt": add_prompt,
                "continue_final_message": False}).json()["tokens"]
            assert render_ids(tokenizer, messages, TOOLS, add_generation_prompt=add_prompt) == served


def test_the_card_names_the_base_model_and_its_lineage():
    card = json.loads(Path(BASE_MODELS[QWEN].adapter, "model_card.json").read_text())
    assert card["base_model"] == QWEN and card["training"]["peak_rss_gib"] < 24
    assert card["adapter"]["name"] == ADAPTER and card["adapter"]["n"] >= 40


def test_the_tool_call_markers_have_rows_of_their_own(server):
    from safetensors import safe_open
    from transformers import AutoTokenizer

    from assistant.serving.token_rows import twins

    folder = Path(server.command()[server.command().index("--model") + 1])
    tokenizer = AutoTokenizer.from_pretrained(folder)
    with safe_open(str(folder / "model.safetensors"), "pt") as weights:
        embed = weights.get_tensor("model.embed_tokens.weight")
    for marker in ("<tool_call>", "</tool_call>"):
        assert twins(embed, tokenizer.convert_tokens_to_ids(marker)) == 0, marker
    assert json.loads((folder / "kefu-model.json").read_text())["respelled"] == ["</tool_call>", "<tool_call>"]


def test_the_adapter_looks_up_the_order_the_shopper_named(server, settings):
    """After kefu's own identification step, the served Qwen adapter's next move is the order lookup, as a real
    tool call the hermes parser reads, with the order id the shopper wrote."""
    from assistant.dialogue.prompt import LANGUAGE_LINES, load_system_prompt
    from finetune.dataset import served_tools
    from finetune.train import agent_tools

    context = [
        {"role": "system", "content": f"{load_system_prompt(settings)}\n\n{LANGUAGE_LINES['zh']}"},
        {"role": "user", "content": "你好，我想查一下订单 #W4817420 现在到哪了。"},
        {"role": "assistant", "content": "好的。请提供您的邮箱，或者您的名字、姓氏和邮编，以便核实身份。"},
        {"role": "user", "content": "邮箱是 mei.chen4821@example.com"},
        CONVERSATION[2], CONVERSATION[3] | {"name": "find_user_id_by_email"}]
    reply = httpx.post(server.base_url + "/chat/completions", timeout=120, json={
        "model": ADAPTER, "messages": context, "tools": served_tools(context, agent_tools()),
        "temperature": 0, "max_tokens": 96}).json()["choices"][0]["message"]
    calls = reply.get("tool_calls") or []
    assert calls, reply.get("content")
    assert calls[0]["function"]["name"] == "get_order_details"
    assert json.loads(calls[0]["function"]["arguments"])["order_id"] == "#W4817420"


def test_the_served_adapter_puts_a_chinese_question_into_english_for_the_knowledge_base(server, settings):
    """What KEFU_TRANSLATE_QUERIES (on by default for Qwen) asks of the served model: English, not an answer."""
    from assistant.dialogue.query_translation import QueryTranslator, translation_wanted
    from knowledge.chunking import language_of

    translate = QueryTranslator(settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": ADAPTER}))
    english = translate("退货的运费由谁承担？")
    assert translation_wanted(settings) and language_of(english) == "en", english
    assert "ship" in english.lower() and not english.startswith(("Yes", "I ")), english
    assert translate("退货的运费由谁承担？") is english  # asked once: the second search reads the cache


def test_a_chinese_product_request_the_glossary_cannot_read_is_found_through_the_served_model(
        server, settings, product_search):
    from assistant.catalog.needs import read_need
    from assistant.dialogue.query_translation import QueryTranslator

    translate = QueryTranslator(settings.model_copy(update={"llm_base_url": server.base_url, "llm_model": ADAPTER}))
    assert product_search.search(read_need("家里缺个放书的架子")).found == []
    need = read_need("家里缺个放书的架子", translate)
    assert "shel" in need.query.lower(), need.query
    assert [f.entry.name for f in product_search.search(need).found][:1] == ["Bookshelf"], need.query
