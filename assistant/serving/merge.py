"""Merging a LoRA adapter into the base weights, once per adapter version, for faster serving."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from assistant.config import Settings
from assistant.serving.fetch import sha256_of
from assistant.serving.models import model_path

MARKER = "kefu-merged.json"


def merged_model(settings: Settings, adapter_name: str, adapter_dir: Path) -> Path:
    """`<data_dir>/models/merged/<adapter>`: base plus adapter, rebuilt only when the adapter or the base changes."""
    target = settings.models_dir / "merged" / adapter_name
    weights = next(iter(sorted(adapter_dir.glob("adapter_model.*"))), None)
    digest = sha256_of(weights) if weights else ""
    base_marker = model_path(settings) / "kefu-model.json"
    base = json.loads(base_marker.read_text()) if base_marker.exists() else None
    marker = target / MARKER
    if marker.exists() and json.loads(marker.read_text()) == {"adapter": adapter_name, "adapter_sha256": digest,
                                                              "base": base}:
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    merge_adapter(model_path(settings), adapter_dir, staging)
    (staging / MARKER).write_text(json.dumps({"adapter": adapter_name, "adapter_sha256": digest, "base": base}))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target


def merge_adapter(base_dir: Path, adapter_dir: Path, target: Path) -> Path:
    """Save base weights with the adapter merged in (bf16 safetensors) and the tokenizer to `target`."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.bfloat16)
    PeftModel.from_pretrained(base, adapter_dir).merge_and_unload().save_pretrained(target)
    AutoTokenizer.from_pretrained(base_dir).save_pretrained(target)
    return target
