"""The real vLLM CPU server on the fetched SmolLM2: chat, streaming, tool calls, a LoRA adapter, clean stop.

Marked `vllm`: `pytest -m "not vllm"` skips it for quick local runs; `make test` runs it.
"""

from __future__ import annotations

import json

import httpx
import psutil
import pytest

from assistant.config import Settings
from assistant.llm import chat_model
from assistant.serving.template import render_ids
from assistant.tools import ALL_TOOLS

pytestmark = pytest.mark.vllm
ADAPTER = "kefu-default"
TOOLS = [ALL_TOOLS[name].openai_schema for name in ("find_user_id_by_email", "get_order_details")]
FEW_SHOT = [
    {"role": "system", "content": "You are a shop assistant. Call a tool for every request."},
    {"role": "user", "content": "My email is anna.lee@example.com"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function", "function": {
        "name": "find_user_id_by_email", "arguments": json.dumps({"email": "anna.lee@example.com"})}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "anna_lee_1234"},
    {"role": "assistant", "content": "Thank you, Anna. You are verified."},
    {"role": "user", "content": "My email is jane.doe@example.com"},
]


@pytest.fixture(scope="module")
def server(smollm2_server):
    return smollm2_server


@pytest.fixture(scope="module")
def client(server):
    from openai import OpenAI

    return OpenAI(base_url=server.base_url, api_key="not-needed", timeout=120)


def test_chat(client, server):
    reply = client.chat.completions.create(model=server.name, max_tokens=24, temperature=0,
                                           messages=[{"role": "user", "content": "Hello, can you help me?"}])
    assert reply.choices[0].message.content.strip() and reply.usage.completion_tokens > 0


def test_streaming_through_langchain(server):
    settings = Settings(_env_file=None, llm_base_url=server.base_url)
    chunks = list(chat_model(settings, max_tokens=16).stream("Say hello to a shopper."))
    assert len([c for c in chunks if c.content]) > 3
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]  # what `kefu bench agent` counts per model step
    assert len(usage) == 1 and usage[0]["input_tokens"] > 5 and 0 < usage[0]["output_tokens"] <= 16


def test_required_tool_call_parses(client, server):
    reply = client.chat.completions.create(model=server.name, messages=FEW_SHOT, tools=TOOLS, tool_choice="required",
                                           max_tokens=200, temperature=0)
    calls = reply.choices[0].message.tool_calls
    assert calls and calls[0].function.name in ALL_TOOLS
    assert isinstance(json.loads(calls[0].function.arguments), dict)


def test_trained_adapter_is_served_by_name_and_acts_as_trained(client, server):
    """The committed default adapter (trained by `kefu finetune train`) answers under its name, and where the
    base model replies in prose it calls the tool it was taught to call."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from assistant.dialogue.model_tools import model_tools
    from assistant.dialogue.prompt import LANGUAGE_LINES, load_system_prompt

    assert ADAPTER in {m.id for m in client.models.list()}
    system = f"{load_system_prompt(Settings(_env_file=None))}\n\n{LANGUAGE_LINES['en']}"
    messages = [{"role": "system", "content": system},
                {"role": "user", "content": "I want to cancel order #W4817420 because I no longer need it."},
                {"role": "assistant", "content": "I can help with that. First, could you give me your email address, "
                                                 "or your first name, last name and zip code?"},
                {"role": "user", "content": "My email is mei.chen4821@example.com."}]
    tools = [convert_to_openai_tool(t) for t in model_tools()]
    replies = {name: client.chat.completions.create(model=name, messages=messages, tools=tools, max_tokens=96,
                                                    temperature=0).choices[0].message
               for name in (server.name, ADAPTER)}
    calls = replies[ADAPTER].tool_calls or []
    assert [c.function.name for c in calls] == ["find_user_id_by_email"]
    # Copying the address exactly is what the model card's argument exact match measures (see
    # finetune/adapters/kefu-default/model_card.json); the adapter sometimes garbles it, so only the shape is asserted.
    assert set(json.loads(calls[0].function.arguments)) == {"email"}
    assert json.loads(calls[0].function.arguments)["email"].endswith("@example.com")
    assert not replies[server.name].tool_calls  # the untuned base model does not call tools unprompted


def test_template_renders_the_same_tokens_as_vllm(server):
    """vLLM (--chat-template) and kefu's renderer (fine-tuning, evaluation) produce identical token ids."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(server.command()[server.command().index("--model") + 1])
    conversations = [FEW_SHOT, FEW_SHOT[1:2], FEW_SHOT + [{"role": "assistant", "content": "好的，马上为您查询。"}]]
    for messages in conversations:
        for add_prompt in (True, False):
            served = httpx.post(server.base_url.removesuffix("/v1") + "/tokenize", timeout=30, json={
                "model": server.name, "messages": messages, "tools": TOOLS, "add_generation_prompt": add_prompt,
                "continue_final_message": False}).json()["tokens"]
            assert render_ids(tokenizer, messages, TOOLS, add_generation_prompt=add_prompt) == served


def test_stop_leaves_no_process(server):
    """Runs last in this module, the last to use the shared server (modules run in name order): stopping the
    server ends its whole process tree."""
    children = psutil.Process(server.process.pid).children(recursive=True)
    assert children
    server.stop()
    assert server.process.poll() is not None
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
