"""Give special tokens that a quantized checkpoint left without rows of their own a row from their spelling.

In the Qwen2.5-Coder GGUF kefu fetches, `<tool_call>` and `</tool_call>` have embedding (and tied output) rows
identical to those of 395 and 206 other tokens, so no hidden state can make the model prefer them, and no LoRA on
the linear layers can separate identical rows. Each such row becomes the mean of the rows of the ordinary tokens that spell
the marker, which is where the model's own idea of that text lives, plus a direction of its own: under a tied output
head a mean of rows scores the mean of their logits, never above the best of them, so greedy decoding could not pick
the marker over its own spelling whatever the tuning.
"""

from __future__ import annotations

ROW_RECIPE = "spelling-mean+own-direction"
"""Recorded in the fetched model's marker file, so a folder made by an older recipe is redone."""
OWN_SHARE = 0.5
"""Norm of the row's own direction, as a share of the spelling rows' mean norm."""


def twins(weight, token_id: int) -> int:
    """How many other rows of `weight` equal this token's row."""
    import torch

    return int(torch.all(weight == weight[token_id], dim=1).sum()) - 1


def spelling(tokenizer, token: str) -> list[int]:
    """The ordinary token ids that spell `token` (its first character split off, so it is not read as itself)."""
    return [*tokenizer(token[:1], add_special_tokens=False).input_ids,
            *tokenizer(token[1:], add_special_tokens=False).input_ids]


def respelled_row(weight, pieces: list[int], token_id: int):
    """The mean of the spelling's rows plus a fixed random direction (seeded by the token id, so every fetch
    writes the same weights)."""
    import torch

    rows = weight[pieces].float()
    own = torch.randn(rows.shape[1], generator=torch.Generator().manual_seed(token_id))
    return rows.mean(0) + own / own.norm() * rows.norm(dim=1).mean() * OWN_SHARE


def respell_collapsed(model, tokenizer, tokens: tuple[str, ...]) -> dict[str, int]:
    """Re-initialise each of `tokens` whose input row has twins; returns {token: twins it had}."""
    import torch

    embed, head = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    fixed: dict[str, int] = {}
    with torch.no_grad():
        for token in tokens:
            token_id = tokenizer.convert_tokens_to_ids(token)
            copies = twins(embed, token_id)
            if copies == 0:
                continue
            pieces = spelling(tokenizer, token)
            embed[token_id] = respelled_row(embed, pieces, token_id).to(embed.dtype)
            if head.data_ptr() != embed.data_ptr():
                head[token_id] = respelled_row(head, pieces, token_id).to(head.dtype)
            fixed[token] = copies
    return fixed
