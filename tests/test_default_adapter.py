"""The committed default adapter: its model card, and how `make run` installs it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_kefu

ADAPTER = Path("finetune/adapters/kefu-default")
METRICS = {"next_action_accuracy", "tool_name_accuracy", "argument_exact_match", "valid_json_rate", "n"}


def test_model_card_reports_base_and_adapter_side_by_side():
    card = json.loads((ADAPTER / "model_card.json").read_text())
    assert METRICS <= set(card["base"]) and METRICS <= set(card["adapter"])
    assert card["base_model"] == "smollm2-135m-instruct" and len(card["data_sha256"]) == 64
    assert card["training"]["steps"] > 0 and json.loads((ADAPTER / "adapter_config.json").read_text())["r"] == 16


def test_add_adapter_installs_it_for_serving(tmp_path):
    run_kefu("model", "add-adapter", str(ADAPTER), env={"KEFU_DATA_DIR": str(tmp_path)})
    assert (tmp_path / "adapters" / "kefu-default" / "adapter_model.safetensors").exists()
    refused = run_kefu("model", "add-adapter", str(tmp_path), env={"KEFU_DATA_DIR": str(tmp_path)}, check=False)
    assert refused.returncode == 1 and "not a LoRA adapter folder" in refused.stderr
