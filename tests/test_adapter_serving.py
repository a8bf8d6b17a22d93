"""The default adapter (or the one KEFU_LLM_MODEL names) is served merged into the weights, or as LoRA on request."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.db import Database
from assistant.serving.models import register_model
from assistant.serving.registry import AdapterRegistry
from assistant.serving.server import server_for

BASE = Path(__file__).resolve().parents[1] / "var" / "models" / "smollm2-135m-instruct"


@pytest.fixture
def settings_with_adapter(tmp_path) -> Settings:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    if not (BASE / "config.json").exists():
        pytest.fail("model missing: make test runs `kefu model fetch` first")
    settings = Settings(_env_file=None, data_dir=tmp_path)
    register_model(settings, settings.model_name, BASE)
    model = AutoModelForCausalLM.from_pretrained(BASE, dtype=torch.bfloat16)
    peft_model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj"], init_lora_weights=False))
    peft_model.save_pretrained(tmp_path / "adapters" / "shop-v1")
    db = Database(settings.resolved_database_url)
    db.migrate()
    AdapterRegistry(db).register("shop-v1", tmp_path / "adapters" / "shop-v1", settings.model_name)
    db.dispose()
    return settings


def test_adapter_is_served_merged_by_default(settings_with_adapter):
    from safetensors.torch import load_file

    server = server_for(settings_with_adapter)
    command = server.command()
    assert "--enable-lora" not in command
    merged = Path(command[command.index("--model") + 1])
    assert merged == settings_with_adapter.models_dir / "merged" / "shop-v1"
    assert command[command.index("--served-model-name") + 1] == "shop-v1"
    base_weights, merged_weights = load_file(BASE / "model.safetensors"), load_file(merged / "model.safetensors")
    name = "model.layers.0.self_attn.q_proj.weight"
    assert not base_weights[name].equal(merged_weights[name])
    assert base_weights["model.layers.0.self_attn.k_proj.weight"].equal(merged_weights["model.layers.0.self_attn.k_proj.weight"])
    stamp = (merged / "kefu-merged.json").stat().st_mtime_ns
    server_for(settings_with_adapter)
    assert (merged / "kefu-merged.json").stat().st_mtime_ns == stamp


def test_a_refetched_base_model_is_merged_again(settings_with_adapter, tmp_path):
    # A copy of the base whose fetch marker changes, as `kefu model fetch` does when its recipe changes.
    base = tmp_path / "base"
    base.mkdir()
    for file in BASE.iterdir():
        (base / file.name).symlink_to(file)
    (base / "kefu-model.json").unlink(missing_ok=True)
    (base / "kefu-model.json").write_text('{"recipe": 1}')
    settings = settings_with_adapter
    register_model(settings, settings.model_name, base)
    command = server_for(settings).command()
    marker = Path(command[command.index("--model") + 1], "kefu-merged.json")
    stamp = marker.stat().st_mtime_ns
    (base / "kefu-model.json").write_text('{"recipe": 2}')
    server_for(settings)
    assert marker.stat().st_mtime_ns != stamp and '"recipe": 2' in marker.read_text()


def test_lora_mode_serves_adapters_next_to_base(settings_with_adapter):
    settings = settings_with_adapter.model_copy(update={"lora_serving": "lora"})
    command = server_for(settings).command()
    assert "--enable-lora" in command and f"shop-v1={settings.adapters_dir.resolve() / 'shop-v1'}" in command
    assert command[command.index("--served-model-name") + 1] == "smollm2-135m-instruct"


def test_prompt_lookup_speculation_is_asked_of_vllm_only_when_set(tmp_path):
    import json

    from assistant.serving.server import VllmServer

    plain = Settings(_env_file=None, data_dir=tmp_path)
    assert "--speculative-config" not in VllmServer(plain, lora={}, model_dir=tmp_path).command()
    command = VllmServer(plain.model_copy(update={"speculative_ngram": 4}), lora={}, model_dir=tmp_path).command()
    config = json.loads(command[command.index("--speculative-config") + 1])
    assert config["method"] == "ngram" and config["num_speculative_tokens"] == 4


@pytest.mark.vllm
def test_int8_weights_are_served_by_a_real_vllm(settings_with_adapter, tmp_path):
    import httpx

    from tests.conftest import free_port

    settings = settings_with_adapter.model_copy(update={"weights": "int8"})
    server = server_for(settings, port=free_port())
    command = server.command()
    served = Path(command[command.index("--model") + 1])
    assert served == settings.models_dir / "merged" / "shop-v1-int8"
    server.log_path = tmp_path / "vllm-int8.log"
    with server:
        reply = httpx.post(f"{server.base_url}/chat/completions", timeout=120, json={
            "model": "shop-v1", "max_tokens": 16, "temperature": 0,
            "messages": [{"role": "user", "content": "What is the capital of France?"}]}).json()
    assert reply["choices"][0]["message"]["content"].strip()
    assert "CompressedTensorsW8A8Int8" in server.log_path.read_text()  # vLLM runs the INT8 kernels, not bf16
