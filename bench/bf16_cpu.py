"""bf16 against fp32 matrix products on this CPU, one thread, the shapes of a Qwen2.5-0.5B MLP layer and its output
head's backward; prints JSON. On an AVX2-only CPU oneDNN has no bf16 kernels (`fast_bf16()` is false) and bf16 runs
on a fallback path.

    .venv/bin/python bench/bf16_cpu.py
"""

from __future__ import annotations

import json
import time

import torch

from assistant.serving.precision import fast_bf16

SHAPES = {"mlp up (1024×896 @ 896×4864)": ((1024, 896), (896, 4864)),
          "head backward (128×151936 @ 151936×896)": ((128, 151936), (151936, 896))}


def seconds(a, b) -> float:
    started = time.perf_counter()
    a @ b
    return round(time.perf_counter() - started, 3)


if __name__ == "__main__":
    torch.set_num_threads(1)
    out = {"cpu_capability": torch.backends.cpu.get_cpu_capability(), "fast_bf16": fast_bf16()}
    for name, (left, right) in SHAPES.items():
        row = {}
        for dtype in (torch.float32, torch.bfloat16):
            row[str(dtype).removeprefix("torch.")] = seconds(torch.randn(*left, dtype=dtype),
                                                             torch.randn(*right, dtype=dtype))
        out[name] = row | {"bf16_over_fp32": round(row["bfloat16"] / row["float32"], 1)}
    print(json.dumps(out, indent=2))
