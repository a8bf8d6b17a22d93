"""The drafting adapter: approved copy as training data split by product, encoded with the real tokenizer and
template, registered as a drafting adapter (never the chat default), served beside the merged chat weights, and
asked without style examples."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage

from assistant.catalog.drafting import INSTRUCTIONS, draft
from assistant.config import Settings
from assistant.errors import KefuError
from assistant.serving.models import drafting_adapters, drafting_base
from assistant.serving.registry import AdapterRegistry
from assistant.serving.server import VllmServer
from finetune.dataset import read_jsonl
from finetune.drafting import build_drafting_dataset, unseen_products
from finetune.train import load_examples


@pytest.fixture(scope="module")
def dataset(catalog_shop, tmp_path_factory):
    out = tmp_path_factory.mktemp("drafting")
    return out, build_drafting_dataset(catalog_shop, out)


def test_approved_copy_becomes_conversations_split_by_product(dataset, catalog_shop):
    out, card = dataset
    train, dev = read_jsonl(out / "train.jsonl"), read_jsonl(out / "dev.jsonl")
    assert card["train"] == len(train) and card["dev"] == len(dev) and len(train) + len(dev) == 24
    assert not {r["product_id"] for r in train} & {r["product_id"] for r in dev}
    for record in train + dev:
        roles = [m["role"] for m in record["messages"]]
        assert roles == ["system", "user", "assistant"]  # the served prompt, without style examples
        assert record["messages"][0]["content"] == INSTRUCTIONS[record["language"]]
    unseen = unseen_products(catalog_shop, out)
    assert len(unseen) == 52 - 12 and not set(unseen) & set(card["trained_products"] + card["dev_products"])


def test_only_the_approved_text_is_trained_on(dataset):
    from transformers import AutoTokenizer

    from assistant.serving.fetch import fetch_default_model

    out, _ = dataset
    tokenizer = AutoTokenizer.from_pretrained(fetch_default_model(Settings(_env_file=None)))
    examples, too_long = load_examples(out / "train.jsonl", tokenizer, 1024)
    record = read_jsonl(out / "train.jsonl")[0]
    first = examples[0]
    trained = tokenizer.decode([t for t, label in zip(first["input_ids"], first["labels"]) if label != -100])
    assert too_long == 0 and trained.strip().startswith(record["messages"][-1]["content"])
    assert "get_order_details" not in tokenizer.decode(examples[0]["input_ids"])  # no tools offered


def test_a_drafting_adapter_is_served_beside_its_chat_weights_and_never_the_chat_default(tmp_path, catalog_shop):
    settings = Settings(data_dir=tmp_path, database_url=str(catalog_shop.engine.url), drafting_model="kefu-draft")
    folder = tmp_path / "kefu-draft"
    folder.mkdir()
    (folder / "adapter_config.json").write_text(json.dumps({"r": 8}))
    registry = AdapterRegistry(catalog_shop)
    row = registry.register("kefu-draft", folder, drafting_base(settings, "kefu-default"), task="drafting")
    assert row.status == "ready" and row.task == "drafting"
    with pytest.raises(KefuError, match="drafting adapter"):
        registry.promote("kefu-draft")
    assert "kefu-draft" not in registry.served(settings.model_name)
    assert drafting_adapters(settings, "kefu-default") == {"kefu-draft": folder.resolve()}
    command = VllmServer(settings, model="kefu-default", lora=drafting_adapters(settings, "kefu-default"),
                         model_dir=tmp_path).command()
    assert f"kefu-draft={folder.resolve()}" in command and "--enable-lora" in command

    class Recording:
        seen: list = []

        def invoke(self, messages):
            self.seen.append(messages)
            return AIMessage("A plain description.")

    product = unseen_products(catalog_shop)[0]
    tuned = settings.model_copy(update={"llm_model": "kefu-default"})
    draft(catalog_shop, product, "en", model=Recording(), settings=tuned)
    draft(catalog_shop, product, "en", model=Recording(), settings=tuned.model_copy(update={"drafting_model": None}))
    assert [len(m) for m in Recording.seen] == [2, 6]  # the adapter gets no style examples; the chat model two


def test_a_draft_caught_in_a_loop_is_flagged(catalog_shop):
    from assistant.catalog.drafting import draft_claims, load_record

    record = load_record(catalog_shop, unseen_products(catalog_shop)[0])
    looped = f"A {record['name'].lower()} for every day. It is simple to use. It is simple to use."
    assert [c.reason for c in draft_claims(catalog_shop, record, looped)] == ["repeated sentence"]
    assert draft_claims(catalog_shop, record, f"A {record['name'].lower()} for every day. It is simple to use.") == []
