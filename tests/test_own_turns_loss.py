"""The training loss computed on the model's own turns only equals the model's own loss, bare and under LoRA."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.serving.fetch import fetch_default_model
from finetune.train import own_turns_loss


@pytest.fixture(scope="module")
def model():
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(fetch_default_model(Settings(_env_file=None)), dtype=torch.float32)


def batch():
    import torch

    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 40000, (2, 48), generator=generator)
    labels = ids.clone()
    labels[:, :20] = -100  # the prompt
    labels[0, 30:36] = -100  # a tool result between two turns of the model
    labels[1, 40:] = -100  # padding
    return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels}


def test_equals_the_models_own_loss(model):
    import torch

    inputs = batch()
    with torch.no_grad():
        reference = model(**inputs).loss
        ours = own_turns_loss(model, inputs)
    assert torch.allclose(ours, reference, atol=1e-5)
    labelled = int((inputs["labels"][:, 1:] != -100).sum())
    with torch.no_grad():
        summed = own_turns_loss(model, inputs, num_items_in_batch=2 * labelled)
    assert torch.allclose(summed, reference / 2, atol=1e-5)  # gradient accumulation divides by the whole count


def test_reaches_the_model_through_a_lora_wrapper_and_trains_it(model):
    import torch
    from peft import LoraConfig, get_peft_model

    tuned = get_peft_model(model, LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM"))
    try:
        inputs = batch()
        loss = own_turns_loss(tuned, inputs)
        with torch.no_grad():
            assert torch.allclose(loss, tuned(**inputs).loss, atol=1e-5)
        loss.backward()
        grads = [p.grad for n, p in tuned.named_parameters() if "lora_" in n]
        assert grads and all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)
    finally:
        tuned.unload()
