"""The base-model registry: every entry's GGUF is checked by size, sha256 and header before it loads, the
adapter registry keeps one default per base model, and both models read kefu's chat template's markers as
single special tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.db import Database
from assistant.errors import KefuError
from assistant.serving.base_models import BASE_MODELS, check_metadata, known
from assistant.serving.registry import AdapterRegistry
from assistant.serving.template import render_ids, template_path

QWEN, SMOL = "qwen2.5-coder-0.5b-instruct", "smollm2-135m-instruct"


def _gguf(path: Path, name: str, architecture: str) -> Path:
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), architecture)
    writer.add_name(name)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.close()
    return path


def test_a_gguf_whose_header_names_another_model_is_refused(tmp_path):
    qwen = known(QWEN)
    assert check_metadata(qwen, _gguf(tmp_path / "q.gguf", "Qwen2.5 Coder 0.5B Instruct AWQ", "qwen2"))
    for name, arch in [("Qwen2.5 Coder 0.5B Instruct AWQ", "llama"), ("Some Other Model", "qwen2")]:
        with pytest.raises(KefuError, match="refusing to load it"):
            check_metadata(qwen, _gguf(tmp_path / f"{arch}.gguf", name, arch))
    with pytest.raises(KefuError, match="no base model named 'gpt-9'"):
        known("gpt-9")


def test_every_entry_names_its_parts_checksum_template_parser_and_adapter():
    assert len(BASE_MODELS[QWEN].parts) == 6 and BASE_MODELS[QWEN].size == 491_400_064
    for entry in BASE_MODELS.values():
        assert len(entry.sha256) == 64 and entry.tool_parser == "hermes" and template_path(entry.name).exists()
        assert entry.adapter and Path(entry.adapter, "adapter_config.json").exists(), entry.name


def test_each_base_model_has_its_own_default_adapter(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    db.migrate()
    registry = AdapterRegistry(db)
    for name in ("smol-a", "smol-b", "qwen-a"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "adapter_config.json").write_text("{}")
        registry.register(name, tmp_path / name, QWEN if name.startswith("qwen") else SMOL)
    assert registry.default(SMOL) == "smol-a" and registry.default(QWEN) == "qwen-a"  # each base's first
    assert set(registry.served(QWEN)) == {"qwen-a"} and set(registry.served(SMOL)) == {"smol-a", "smol-b"}
    registry.promote("smol-b")
    assert registry.default(SMOL) == "smol-b" and registry.default(QWEN) == "qwen-a"
    assert registry.rollback(SMOL).name == "smol-a" and registry.default(QWEN) == "qwen-a"
    db.dispose()


@pytest.mark.parametrize("model", [SMOL, QWEN])
def test_the_template_markers_are_single_special_tokens(model):
    from transformers import AutoTokenizer

    folder = Path("var/models") / model
    if not (folder / "config.json").exists():
        pytest.fail(f"{model} is not fetched: `make test` runs `kefu model fetch {model}`")
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = render_ids(tokenizer, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "取消订单"}],
                     add_generation_prompt=True)
    start, end = tokenizer.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"])
    assert ids[0] == start and ids.count(start) == 3 and ids.count(end) == 2
    assert tokenizer.decode(ids).endswith("<|im_start|>assistant\n")


@pytest.mark.parametrize("tied", [True, False])
def test_a_marker_that_shares_its_row_gets_its_spelling_and_a_direction_of_its_own(tied):
    import torch
    from transformers import AutoTokenizer

    from assistant.serving.token_rows import respell_collapsed, spelling, twins

    tokenizer = AutoTokenizer.from_pretrained(Path("var/models") / SMOL)
    # Wide enough that the spelling's rows leave room for a direction of the marker's own, as in a real model.
    torch.manual_seed(0)
    embed = torch.nn.Embedding(len(tokenizer), 64)
    head = embed if tied else torch.nn.Embedding(len(tokenizer), 64)
    model = type("Tiny", (), {"get_input_embeddings": lambda self: embed,
                              "get_output_embeddings": lambda self: head})()
    start, end = tokenizer.convert_tokens_to_ids(["<|im_start|>", "<|im_end|>"])
    with torch.no_grad():
        embed.weight[[start, 5, 6]] = embed.weight[7].clone()
        head.weight[[start, 5, 6]] = head.weight[7].clone()
    untouched = embed.weight[end].clone()
    assert respell_collapsed(model, tokenizer, ("<|im_start|>", "<|im_end|>")) == {"<|im_start|>": 3}
    assert twins(embed.weight, start) == 0 and torch.equal(embed.weight[end], untouched)
    pieces = spelling(tokenizer, "<|im_start|>")
    assert start not in pieces and len(pieces) >= 2
    mean = head.weight[pieces].mean(0)
    assert not torch.allclose(head.weight[start], mean)
    # A row of its own: a hidden state off the spelling's span scores the marker above every token that spells it.
    with torch.no_grad():
        basis, _ = torch.linalg.qr(head.weight[pieces].T)
        hidden = head.weight[start] - basis @ (basis.T @ head.weight[start])
        scores = head.weight @ hidden
    assert scores[start] > scores[pieces].max() + 1e-3
