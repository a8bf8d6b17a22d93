"""The adapter registry in the database: register, promote, roll back, retire, and what gets served."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.db import Database
from assistant.errors import KefuError
from assistant.serving.models import adapters, register_model, served_model_name
from assistant.serving.registry import AdapterRegistry, UnknownAdapter
from assistant.serving.server import server_for
from tests.conftest import run_kefu

DEFAULT = Path("finetune/adapters/kefu-default")
BASE = Path(__file__).resolve().parents[1] / "var" / "models" / "smollm2-135m-instruct"


def _adapter(root: Path, name: str, card: dict | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"r": 4}))
    if card:
        (folder / "model_card.json").write_text(json.dumps(card))
    return folder


@pytest.fixture
def registry(tmp_path) -> AdapterRegistry:
    db = Database(f"sqlite:///{tmp_path / 'kefu.db'}")
    db.migrate()
    yield AdapterRegistry(db)
    db.dispose()


def test_first_registered_is_default_and_promote_then_rollback_return_to_it(registry, tmp_path):
    card = {"base_model": "smollm2-135m-instruct", "data_sha256": "a" * 64,
            "base": {"next_action_accuracy": 0.3}, "adapter": {"next_action_accuracy": 0.6}}
    registry.register("v1", _adapter(tmp_path, "v1", card), "smollm2-135m-instruct")
    registry.register("v2", _adapter(tmp_path, "v2"), "smollm2-135m-instruct")
    registry.register("v3", _adapter(tmp_path, "v3"), "smollm2-135m-instruct")
    assert registry.default() == "v1"
    v1 = next(r for r in registry.all() if r.name == "v1")
    assert v1.data_sha256 == "a" * 64 and v1.metrics["adapter"]["next_action_accuracy"] == 0.6

    registry.promote("v2")
    registry.promote("v3")
    assert registry.default() == "v3" and set(registry.served()) == {"v1", "v2", "v3"}
    assert registry.rollback().name == "v2" and registry.default() == "v2"
    assert registry.rollback().name == "v1" and registry.default() == "v1"
    with pytest.raises(KefuError, match="nothing to roll back to"):
        registry.rollback()


def test_retired_adapters_are_not_served_and_the_default_cannot_be_retired(registry, tmp_path):
    registry.register("v1", _adapter(tmp_path, "v1"), "base")
    registry.register("v2", _adapter(tmp_path, "v2"), "base")
    with pytest.raises(KefuError, match="is the default"):
        registry.retire("v1")
    registry.retire("v2")
    assert set(registry.served()) == {"v1"}
    with pytest.raises(UnknownAdapter, match="no adapter named 'v9'"):
        registry.promote("v9")
    with pytest.raises(KefuError, match="not a LoRA adapter folder"):
        registry.register("bad", tmp_path, "base")


def test_server_and_agent_follow_the_registry_default(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    register_model(settings, settings.model_name, BASE)
    assert served_model_name(settings) == settings.model_name and adapters(settings) == {}
    db = Database(settings.resolved_database_url)
    db.migrate()
    registry = AdapterRegistry(db)
    registry.register("v1", _adapter(settings.adapters_dir, "v1"), settings.model_name)
    registry.register("v2", _adapter(settings.adapters_dir, "v2"), settings.model_name)
    registry.promote("v2")
    assert served_model_name(settings) == "v2"
    lora = server_for(settings.model_copy(update={"lora_serving": "lora"})).command()
    assert "--lora-modules" in lora and any(arg.startswith("v1=") for arg in lora)
    assert served_model_name(settings.model_copy(update={"llm_model": "v1"})) == "v1"  # explicit setting wins
    db.dispose()


def test_kefu_warns_when_the_served_adapter_and_the_small_model_aids_disagree(tmp_path):
    from assistant.serving.models import aids_mismatch

    settings = Settings(_env_file=None, data_dir=tmp_path)
    register_model(settings, settings.model_name, BASE)
    db = Database(settings.resolved_database_url)
    db.migrate()
    AdapterRegistry(db).register("tuned", _adapter(settings.adapters_dir, "tuned", {"small_model_aids": True}),
                                 settings.model_name)
    db.dispose()
    assert aids_mismatch(settings) is None
    warning = aids_mismatch(settings.model_copy(update={"small_model_aids": False}))
    assert warning.startswith("adapter tuned was trained with the small-model aids on")
    assert json.loads((DEFAULT / "model_card.json").read_text())["small_model_aids"] is True


def test_cli_registers_the_default_adapter_and_promotes_and_rolls_back(tmp_path):
    env = {"KEFU_DATA_DIR": str(tmp_path)}
    run_kefu("model", "add-adapter", str(DEFAULT), env=env)
    run_kefu("model", "add-adapter", str(DEFAULT), "--name", "kefu-next", env=env)
    listed = {r["name"]: r for r in json.loads(run_kefu("finetune", "list", "--json", env=env).stdout)}
    assert listed["kefu-default"]["status"] == "default" and listed["kefu-next"]["status"] == "ready"
    assert listed["kefu-default"]["metrics"]["adapter"]["valid_json_rate"] > 0  # from its model card
    assert "kefu-next is now the default" in run_kefu("finetune", "promote", "kefu-next", env=env).stdout
    assert served_model_name(Settings(_env_file=None, data_dir=tmp_path)) == "kefu-next"
    assert "kefu-default is the default adapter again" in run_kefu("finetune", "rollback", env=env).stdout
    refused = run_kefu("finetune", "promote", "nope", env=env, check=False)
    assert refused.returncode == 1 and "no adapter named 'nope'" in refused.stderr
    run_kefu("model", "add-adapter", str(DEFAULT.parent / "kefu-draft"), env=env)  # what `make model` adds too
    drafting = {r["name"]: r for r in json.loads(run_kefu("finetune", "list", "--json", env=env).stdout)}["kefu-draft"]
    assert (drafting["task"], drafting["status"]) == ("drafting", "ready")
    assert drafting["base_model"] == "smollm2-135m-instruct+kefu-default"
    assert run_kefu("finetune", "promote", "kefu-draft", env=env, check=False).returncode == 1


def test_merge_writes_a_servable_model(tmp_path):
    from safetensors.torch import load_file

    env = {"KEFU_DATA_DIR": str(tmp_path)}
    run_kefu("model", "fetch", "--from", str(BASE), env=env)
    run_kefu("model", "add-adapter", str(DEFAULT), env=env)
    out = tmp_path / "merged-out"
    assert "merged kefu-default" in run_kefu("finetune", "merge", "kefu-default", "--out", str(out), env=env).stdout
    merged, base = load_file(out / "model.safetensors"), load_file(BASE / "model.safetensors")
    name = "model.layers.0.self_attn.q_proj.weight"
    assert (out / "config.json").exists() and (out / "tokenizer.json").exists()
    assert merged[name].shape == base[name].shape and not merged[name].equal(base[name])
    missing = run_kefu("finetune", "merge", "nope", env=env, check=False)
    assert missing.returncode == 1 and "not a served adapter" in missing.stderr


def test_an_adapter_evaluated_without_the_base_model_is_listed_in_the_staff_console(registry, tmp_path):
    # `kefu finetune eval --no-base` writes "base": null into the card, as the committed kefu-qwen has.
    from ui.finetune_tab import adapter_rows

    card = json.loads(Path("finetune/adapters/kefu-qwen/model_card.json").read_text())
    assert card["base"] is None
    registry.register("kefu-qwen", _adapter(tmp_path, "kefu-qwen", card), "qwen2.5-coder-0.5b-instruct")
    row = adapter_rows(registry.db)[0]
    assert row[0] == "kefu-qwen" and row[2] == f"– → {card['adapter']['next_action_accuracy']}"
