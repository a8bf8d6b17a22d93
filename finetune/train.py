"""`kefu finetune train`: a LoRA adapter on the base model, with transformers' Trainer; CPU here, GPU unchanged.

    kefu finetune simulate --batches 3
    kefu finetune build var/finetune/simulated.jsonl
    kefu finetune train --name kefu-default --max-minutes 60

Heavy imports (torch, transformers, peft) stay inside the functions, so the CLI starts fast.
"""

from __future__ import annotations

import json
import resource
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class TrainConfig:
    """LoRA and optimisation settings; every field is a `kefu finetune train` option."""

    rank: int = 16
    """LoRA rank."""
    alpha: int = 32
    """LoRA alpha (scale = alpha / rank)."""
    dropout: float = 0.0
    """LoRA dropout (0 is faster on CPU and was as good in FINDINGS)."""
    target_modules: str = "all-linear"
    """Comma-separated module names, or all-linear."""
    learning_rate: float = 2e-4
    epochs: float = 1.0
    batch_size: int = 1
    grad_accumulation: int = 4
    max_tokens: int = 4096
    """Conversations longer than this are left out."""
    max_minutes: float | None = None
    """Stop (and save) after this much training time."""
    max_steps: int | None = None
    """Stop (and save) after this many optimizer steps, whatever `epochs` says."""
    seed: int = 0
    save_steps: int = 20
    init_adapter: str | None = None
    """Folder of an adapter to continue from (same base model) instead of fresh LoRA weights."""
    precision: str = "auto"
    """bfloat16, float32, or auto (`assistant.serving.precision.resolved_dtype`: bf16 only where the hardware has
    fast bf16 kernels)."""
    scoped_tools: bool = True
    """Render each turn with the tools the agent offers at that step, as served (one example per run of turns
    that see the same tools); off, every turn of a conversation sees every tool, in one example."""


def agent_tools() -> list[dict]:
    """The tool schemas the agent offers the model, as the chat template renders them."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from assistant.dialogue.model_tools import model_tools

    return [convert_to_openai_tool(t) for t in model_tools()]


def load_examples(path: Path, tokenizer, max_tokens: int, scoped: bool = True) -> tuple[list[dict], int]:
    """Encoded examples of a dataset split, and how many were too long."""
    from finetune.dataset import encode, read_jsonl

    tools, examples, skipped = agent_tools(), [], 0
    for record in read_jsonl(path):
        drafting = record.get("task") == "drafting"  # catalog copy: a plain conversation, no tools offered
        encoded, too_long = encode(tokenizer, record["messages"], [] if drafting else tools, max_tokens,
                                   scoped=scoped and not drafting)
        examples += encoded
        skipped += too_long
    return examples, skipped


def collate(pad_id: int):
    """Dynamic padding to the longest example of the batch; padded labels are ignored."""
    import torch

    def batch(examples: list[dict]) -> dict:
        width = max(len(e["input_ids"]) for e in examples)
        ids = [e["input_ids"] + [pad_id] * (width - len(e["input_ids"])) for e in examples]
        labels = [e["labels"] + [-100] * (width - len(e["labels"])) for e in examples]
        mask = [[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in examples]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}

    return batch


def own_turns_loss(model, inputs: dict, num_items_in_batch=None):
    """Cross-entropy over the positions that predict a labelled token, and only those: the output head never
    sees the shopper's, tools' and system tokens, so the logits over a large vocabulary (Qwen's 152k columns)
    stay the size of the model's own turns instead of the whole example. Equal to the model's own loss."""
    import torch

    targets = inputs["labels"][:, 1:]
    keep = (targets != -100).any(0).nonzero().squeeze(1)
    logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                   logits_to_keep=keep).logits.float()
    gold = targets[:, keep].to(logits.device)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), gold.reshape(-1),
                                             ignore_index=-100, reduction="sum")
    count = num_items_in_batch if num_items_in_batch is not None else (gold != -100).sum().clamp(min=1)
    return loss / count


def train(model_dir: Path, dataset_dir: Path, out: Path, config: TrainConfig) -> dict:
    """Train, save the adapter under `out`, and return the training report (tokens/s, peak memory, loss)."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainerCallback, TrainingArguments

    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    examples, too_long = load_examples(dataset_dir / "train.jsonl", tokenizer, config.max_tokens,
                                       config.scoped_tools)
    if not examples:
        raise ValueError(f"no training examples in {dataset_dir / 'train.jsonl'}")
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    if config.init_adapter:
        model = PeftModel.from_pretrained(base, config.init_adapter, is_trainable=True)
    else:
        targets = config.target_modules if config.target_modules == "all-linear" else config.target_modules.split(",")
        model = get_peft_model(base, LoraConfig(r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout,
                                                target_modules=targets, task_type="CAUSAL_LM"))
    from assistant.serving.precision import resolved_dtype

    bf16 = resolved_dtype(config.precision) == "bfloat16"
    started = time.perf_counter()

    class TimeLimit(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if config.max_minutes and time.perf_counter() - started > config.max_minutes * 60:
                control.should_training_stop = control.should_save = True

    args = TrainingArguments(
        output_dir=str(out / "checkpoints"), per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accumulation, learning_rate=config.learning_rate,
        num_train_epochs=config.epochs, max_steps=config.max_steps or -1, lr_scheduler_type="cosine", warmup_steps=3, logging_steps=5,
        save_steps=config.save_steps, save_total_limit=2, seed=config.seed, bf16=bf16, report_to=[],
        use_cpu=not torch.cuda.is_available(), dataloader_num_workers=0,
        remove_unused_columns=False, disable_tqdm=False)
    class OwnTurnsTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            return own_turns_loss(model, inputs, num_items_in_batch)

    trainer = OwnTurnsTrainer(model=model, args=args, train_dataset=examples,
                              data_collator=collate(tokenizer.pad_token_id),
                              callbacks=[TimeLimit()])
    resume = any((out / "checkpoints").glob("checkpoint-*")) if (out / "checkpoints").exists() else False
    result = trainer.train(resume_from_checkpoint=resume or None)
    seconds = time.perf_counter() - started
    model.save_pretrained(out)
    config_path = out / "adapter_config.json"  # the base by its served name, not this machine's path
    config_path.write_text(json.dumps(json.loads(config_path.read_text()) | {
        "base_model_name_or_path": Path(model_dir).name}, indent=2) + "\n")
    steps = trainer.state.global_step
    seen = steps * config.batch_size * config.grad_accumulation
    tokens = sum(len(e["input_ids"]) for e in examples[: min(seen, len(examples))]) * max(1, seen // len(examples))
    report = {"config": asdict(config), "examples": len(examples), "too_long": too_long, "steps": steps,
              "train_seconds": round(seconds, 1), "train_tokens_per_s": round(tokens / seconds, 1),
              "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
              "final_loss": round(result.training_loss, 4),
              "loss_history": [round(h["loss"], 4) for h in trainer.state.log_history if "loss" in h],
              "device": "gpu" if torch.cuda.is_available() else "cpu", "bf16": bf16}
    (out / "training_report.json").write_text(json.dumps(report, indent=2))
    return report
