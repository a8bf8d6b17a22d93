"""Which floating-point type computes fastest here: bf16 where the hardware has bf16 kernels, else fp32.

On a CPU without AVX-512 BF16 or AMX, oneDNN has no bf16 matrix kernels and a bf16 product falls back to a
single-threaded path, about 100× slower than fp32 (docs/benchmarks.md, "bf16 on an AVX2-only CPU").
"""

from __future__ import annotations


def fast_bf16() -> bool:
    """Whether bf16 matrix products run on fast kernels: a GPU that has bf16, or a CPU whose oneDNN has them."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolved_dtype(choice: str) -> str:
    """`bfloat16` or `float32` for a setting of auto, bfloat16 or float32."""
    if choice != "auto":
        return choice
    return "bfloat16" if fast_bf16() else "float32"
